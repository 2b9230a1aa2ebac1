import ArgumentParser
import Foundation
import NN
import Segmentation

/// `auxsweep bench`: training and evaluation throughput of PSPNet-mini.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure PSPNet-mini training and evaluation throughput (img/s).",
        discussion: """
            Random 64x64 batches, 7 classes. A training step is forward, main + 0.4 * aux \
            cross-entropy, backward and an SGD step; evaluation is an evaluation-mode forward of the \
            main head. Effective GFLOP/s count convolution FLOPs only, a training step as three times \
            its forward. Compare with tools/reference/bench_pspnet.py (PyTorch, same settings).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "Images per batch.")
    var batch = 16

    @Option(help: "oneDNN threads.")
    var threads = 1

    @Option(help: "Seconds to time each of training and evaluation.")
    var seconds = 5.0

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    func validate() throws {
        guard batch > 0 && batch <= 1024 else { throw ValidationError("--batch must be in 1...1024, got \(batch)") }
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        Compute.setThreads(threads)
        let r = ThroughputBenchmark.measure(batch: batch, seconds: seconds)
        switch format {
        case .table:
            print("auxsweep PSPNet-mini, batch \(r.batch), threads \(r.threads)")
            print(String(format: "train  %8.1f img/s  %6.1f GFLOP/s", r.trainImagesPerSecond, r.trainGFLOPs))
            print(String(format: "eval   %8.1f img/s  %6.1f GFLOP/s", r.evalImagesPerSecond, r.evalGFLOPs))
            print(String(format: "peak RSS %.0f MiB", r.peakRSSMiB))
        case .json:
            print(String(format: "{\"train_img_s\":%.1f,\"eval_img_s\":%.1f,\"batch\":%d,\"threads\":%d,"
                         + "\"train_gflops\":%.1f,\"eval_gflops\":%.1f,\"peak_rss_mib\":%.0f}",
                         r.trainImagesPerSecond, r.evalImagesPerSecond, r.batch, r.threads,
                         r.trainGFLOPs, r.evalGFLOPs, r.peakRSSMiB))
        }
    }
}
