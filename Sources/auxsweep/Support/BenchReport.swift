import NN
import Segmentation

/// What `auxsweep bench --format json` prints: throughput, the CPU path oneDNN takes, and (with
/// `--breakdown`) milliseconds per kernel kind.
struct BenchReport: Encodable {
    /// Milliseconds per kernel kind for a training step and an evaluation batch, and their totals.
    struct Breakdown: Encodable {
        let train: [String: Double]
        let eval: [String: Double]
        let trainStep: Double
        let evalBatch: Double

        enum CodingKeys: String, CodingKey { case train, eval, trainStep = "train_step", evalBatch = "eval_batch" }

        init(_ b: ThroughputBenchmark.Breakdown) {
            func milliseconds(_ t: KernelProfiler.Times) -> [String: Double] {
                Dictionary(uniqueKeysWithValues: KernelProfiler.Kernel.allCases.map { ("\($0)", t[$0] * 1000) })
            }
            train = milliseconds(b.train)
            eval = milliseconds(b.eval)
            trainStep = b.trainStepSeconds * 1000
            evalBatch = b.evalBatchSeconds * 1000
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
