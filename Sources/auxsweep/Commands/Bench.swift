import ArgumentParser
import Foundation
import NN
import Segmentation
import Sweep

/// `auxsweep bench`: training and evaluation throughput of PSPNet-mini.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure PSPNet-mini training and evaluation throughput (img/s).",
        discussion: """
            Random 64x64 batches, 11 classes (the shapes task's). A training step is forward, main + 0.4 * aux \
            cross-entropy, backward and an SGD step; evaluation is an evaluation-mode forward of the \
            main head. Effective GFLOP/s count convolution FLOPs only, a training step as three times \
            its forward. Compare with tools/reference/bench_pspnet.py (PyTorch, same settings). \
            --breakdown then profiles both again and prints the milliseconds per training step and \
            per evaluation batch spent in each kind of kernel. --data SWEEP.yaml instead times \
            training steps of the sweep's own config on its data (a folder data set: augmentation and \
            batching included, decoding before) against the synthetic task at the same image size, \
            model and batch, in alternating one-second rounds, and prints the ratio.
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

    @Flag(help: "Also print where the time goes, per kind of kernel (profiled in a second pass).")
    var breakdown = false

    @Option(help: "A sweep file: time training on its data against the synthetic task instead.")
    var data: String?

    func validate() throws {
        // Batch norm needs two values a channel: the pyramid's 1x1 bin has one a sample.
        guard batch >= 2 && batch <= 1024 else { throw ValidationError("--batch must be in 2...1024, got \(batch)") }
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        Compute.setThreads(threads)
        if let data { return try runData(data) }
        let r = ThroughputBenchmark.measure(batch: batch, seconds: seconds)
        let profile = breakdown ? ThroughputBenchmark.breakdown(batch: batch, seconds: seconds) : nil
        switch format {
        case .table:
            print("auxsweep PSPNet-mini, batch \(r.batch), threads \(r.threads)")
            print(String(format: "train  %8.1f img/s  %6.1f GFLOP/s", r.trainImagesPerSecond, r.trainGFLOPs))
            print(String(format: "eval   %8.1f img/s  %6.1f GFLOP/s", r.evalImagesPerSecond, r.evalGFLOPs))
            print(String(format: "peak RSS %.0f MiB", r.peakRSSMiB))
            print("oneDNN isa \(ConvolutionLayoutProbe.isa), backbone layout \(Tensor.Layout.native.oneDNNName)")
            if let profile { print(Self.table(profile)) }
        case .json:
            print(String(decoding: try JSONOutput.encoder(pretty: false).encode(BenchReport(r, breakdown: profile)), as: UTF8.self))
        }
    }

    /// Training img/s on a sweep file's data and on the synthetic task.
    func runData(_ sweepFile: String) throws {
        try reportingErrors {
            let spec = try SpecParser.load(path: sweepFile).spec
            printError("timing \(max(1, Int(seconds.rounded(.up)))) s of training on each, in one-second rounds")
            let r = try DataThroughput.measure(config: spec.config, seconds: seconds)
            switch format {
            case .table:
                printLine("auxsweep training on \(sweepFile)'s data vs the synthetic task, \(r.size)x\(r.size), batch \(r.batch), threads \(threads)")
                printLine(String(format: "data       %8.1f img/s", r.dataImagesPerSecond))
                printLine(String(format: "synthetic  %8.1f img/s", r.syntheticImagesPerSecond))
                printLine(String(format: "ratio      %8.3f", r.ratio))
            case .json:
                printLine(String(decoding: try JSONOutput.encoder(pretty: false).encode(r), as: UTF8.self))
            }
        }
    }

    /// Milliseconds and shares per kernel kind, kinds that took no time left out.
    static func table(_ b: ThroughputBenchmark.Breakdown) -> String {
        let trainTotal = b.trainStepSeconds * 1000, evalTotal = b.evalBatchSeconds * 1000
        var lines = ["", "where the time goes, ms per training step and per evaluation batch (exclusive):",
                     "kernel".padding(toLength: 28, withPad: " ", startingAt: 0) + "   train ms       %    eval ms       %"]
        func row(_ label: String, _ train: Double, _ eval: Double) {
            lines.append(label.padding(toLength: 28, withPad: " ", startingAt: 0)
                         + String(format: " %10.2f  %6.1f %10.2f  %6.1f", train, 100 * train / trainTotal, eval, 100 * eval / evalTotal))
        }
        for kernel in KernelProfiler.Kernel.allCases where b.train[kernel] > 0 || b.eval[kernel] > 0 {
            row(kernel.label, b.train[kernel] * 1000, b.eval[kernel] * 1000)
        }
        row("outside kernels", trainTotal - b.train.total * 1000, evalTotal - b.eval.total * 1000)
        row("total", trainTotal, evalTotal)
        return lines.joined(separator: "\n")
    }
}
