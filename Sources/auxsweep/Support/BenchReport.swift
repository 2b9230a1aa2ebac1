import NN
import Segmentation

/// What `auxsweep bench --format json` prints: throughput, the CPU path oneDNN takes, and (with
/// `--breakdown`) milliseconds per kernel kind.
struct BenchReport: Encodable {
    /// Milliseconds per kernel kind for a training step and an evaluation batch, and their totals.
    struct Breakdown: Encodable {
        let train: KernelMilliseconds
        let eval: KernelMilliseconds
        let trainStep: Double
        let evalBatch: Double

        init(_ b: ThroughputBenchmark.Breakdown) {
            train = KernelMilliseconds(b.train)
            eval = KernelMilliseconds(b.eval)
            trainStep = b.trainStepSeconds * 1000
            evalBatch = b.evalBatchSeconds * 1000
        }
    }

    /// Milliseconds per kernel kind, one key per kind in the profiler's order.
    ///
    /// The kinds are the keys of a keyed container, not of a dictionary: `JSONOutput`'s snake-case
    /// strategy converts the one and not the other, so the kinds come out like every other key
    /// (`convolution_backward_data`).
    struct KernelMilliseconds: Encodable {
        let times: KernelProfiler.Times

        init(_ times: KernelProfiler.Times) { self.times = times }

        private struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for kernel in KernelProfiler.Kernel.allCases {
                try container.encode(times[kernel] * 1000, forKey: Key(stringValue: "\(kernel)"))
            }
        }
    }

    let trainImagesPerSecond, evalImagesPerSecond: Double
    let batch, threads: Int
    let trainGFLOPs, evalGFLOPs, peakRSSMiB: Double
    /// The instruction set oneDNN dispatches to, and the blocked layout the backbone keeps.
    let isa, layout: String
    let breakdown: Breakdown?

    enum CodingKeys: String, CodingKey {
        case trainImagesPerSecond = "train_img_s", evalImagesPerSecond = "eval_img_s", batch, threads,
             trainGFLOPs = "train_gflops", evalGFLOPs = "eval_gflops", peakRSSMiB = "peak_rss_mib", isa, layout,
             breakdown = "breakdown_ms"
    }

    init(_ r: ThroughputBenchmark.Result, breakdown: ThroughputBenchmark.Breakdown?) {
        trainImagesPerSecond = r.trainImagesPerSecond
        evalImagesPerSecond = r.evalImagesPerSecond
        batch = r.batch
        threads = r.threads
        trainGFLOPs = r.trainGFLOPs
        evalGFLOPs = r.evalGFLOPs
        peakRSSMiB = r.peakRSSMiB
        isa = ConvolutionLayoutProbe.isa
        layout = Tensor.Layout.native.oneDNNName
        self.breakdown = breakdown.map(Breakdown.init)
    }
}
