import ArgumentParser
import Foundation
import NN
import Sweep

/// `auxsweep bench-kernels`: convolution GFLOP/s on the PSPNet-mini shapes.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Measure the convolution kernels' GFLOP/s on the PSPNet-mini shapes.",
        discussion: """
            For every convolution shape of PSPNet-mini (64x64 input) at the given batch: forward, \
            backward-data and backward-weights GFLOP/s, each the fastest of repeated runs, for the \
            chosen backend (oneDNN's convolution primitives with reorders from and to NCHW, or \
            im2col + oneDNN sgemm), and oneDNN's raw sgemm rate on a 128x64x1152 product beside them. \
            The "weighted" row divides the network's total convolution FLOPs by its total time.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    enum Backend: String, ExpressibleByArgument, CaseIterable {
        case primitives, im2col
        var value: ConvolutionBackend { self == .primitives ? .primitives : .im2colGEMM }
    }

    @Option(help: "Convolution backend: primitives or im2col.")
    var backend: Backend = .primitives

    @Option(help: "Images per batch.")
    var batch = 16

    @Option(help: "oneDNN threads.")
    var threads = 1

    @Option(help: "Output format: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: Format = .table

    @Option(help: "Minimum seconds of repeated runs per measurement.")
    var seconds = 0.2

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive, got \(batch)") }
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        Compute.setThreads(threads)
        let sgemm = ConvBenchmark.sgemmRate(m: 128, n: 64, k: 1152, minSeconds: seconds)
        var results: [ConvBenchmark.Result] = []
        for shape in ConvBenchmark.pspnetMini {
            let r = ConvBenchmark.measure(shape, batch: batch, backend: backend.value, minSeconds: seconds)
            results.append(r)
            if format == .table { FileHandle.standardError.write(Data("measured \(shape.name)\n".utf8)) }
        }
        let report = KernelBenchReport(backend: backend.rawValue, batch: batch, threads: threads, sgemm: sgemm, results: results)
        let total = report.weighted
        switch format {
        case .table:
            print("backend \(backend.rawValue), batch \(batch), threads \(threads); GFLOP/s (fastest of repeated runs)")
            print(pad("shape", 20) + pad("x", 4) + pad("forward", 10) + pad("bwd-data", 10) + pad("bwd-weights", 12))
            for r in results {
                print(pad(r.shape.name, 20) + pad("\(r.shape.count)", 4) + pad(fmt(r.forward), 10)
                      + pad(fmt(r.backwardData), 10) + pad(fmt(r.backwardWeights), 12))
            }
            print(pad("weighted", 24) + pad(fmt(total.forward), 10) + pad(fmt(total.backwardData), 10) + pad(fmt(total.backwardWeights), 12))
            print("oneDNN sgemm 128x64x1152: \(fmt(sgemm)) GFLOP/s")
        case .json:
            print(String(decoding: try JSONOutput.encoder(pretty: false).encode(report), as: UTF8.self))
        }
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
    private func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count + 1), withPad: " ", startingAt: 0) }
}
