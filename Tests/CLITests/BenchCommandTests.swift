import Foundation
import Testing

/// `auxsweep bench`: its JSON and the per-kernel breakdown.
@Suite("bench command")
struct BenchCommandTests {
    @Test("--breakdown --format json reports every kernel kind, and the kinds add up to the step")
    func breakdownJSON() throws {
        let result = try CLIRunner.run(["bench", "--batch", "2", "--seconds", "0.05", "--breakdown", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let json = try #require(object)
        #expect((json["train_img_s"] as? Double ?? 0) > 0 && (json["eval_img_s"] as? Double ?? 0) > 0)
        #expect(json["batch"] as? Int == 2 && json["threads"] as? Int == 1)
        // The CPU path, reported, not assumed: nChw16c with AVX-512, nChw8c with AVX2.
        #expect(["nChw16c", "nChw8c"].contains(json["layout"] as? String ?? ""))
        #expect((json["isa"] as? String)?.hasPrefix("avx") == true)
        let breakdown = try #require(json["breakdown_ms"] as? [String: Any])
        let train = try #require(breakdown["train"] as? [String: Double])
        let eval = try #require(breakdown["eval"] as? [String: Double])
        let step = try #require(breakdown["train_step"] as? Double), batch = try #require(breakdown["eval_batch"] as? Double)
        // Both list the same kinds (every kind the profiler knows, each once).
        #expect(Set(train.keys) == Set(eval.keys) && !train.isEmpty)
        // Training runs every kind of backward kernel; evaluation runs none.
        for kind in ["convolution_forward", "convolution_backward_data", "convolution_backward_weights", "batch_norm_backward",
                     "cross_entropy_forward", "optimizer"] {
            #expect((train[kind] ?? 0) > 0, "\(kind)")
        }
        for kind in ["convolution_backward_data", "convolution_backward_weights", "batch_norm_backward", "cross_entropy_forward", "optimizer"] {
            #expect(eval[kind] == 0, "\(kind)")
        }
        // Exclusive times, nested inside the step's own: together at most the whole step.
        let trainSum = train.values.reduce(0, +), evalSum = eval.values.reduce(0, +)
        #expect(trainSum <= step * 1.001, "train kernels \(trainSum) ms of \(step) ms")
        #expect(evalSum <= batch * 1.001, "eval kernels \(evalSum) ms of \(batch) ms")
    }

    @Test("the table names the kernels and ends with the totals")
    func breakdownTable() throws {
        let result = try CLIRunner.run(["bench", "--batch", "2", "--seconds", "0.05", "--breakdown"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "auxsweep PSPNet-mini, batch 2, threads 1")
        #expect(lines.contains { $0.hasPrefix("conv forward ") })
        #expect(lines.contains { $0.hasPrefix("outside kernels ") })
        #expect(lines.last?.hasPrefix("total ") == true)
        #expect(lines.last?.contains("100.0") == true)
    }

    @Test("a batch of one is refused: the pyramid's 1x1 bin leaves batch norm one value a channel")
    func batchOfOne() throws {
        let result = try CLIRunner.run(["bench", "--batch", "1"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: --batch must be in 2...1024, got 1\n"), "\(result.stderr)")
    }

    @Test("bench-kernels --format json: every shape with its three rates, and the weighted rates within theirs")
    func kernelsJSON() throws {
        let result = try CLIRunner.run(["bench-kernels", "--batch", "2", "--seconds", "0.01", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let json = try #require(object)
        #expect(json["backend"] as? String == "primitives" && json["batch"] as? Int == 2 && json["threads"] as? Int == 1)
        #expect((json["sgemm_gflops"] as? Double ?? 0) > 0)
        let shapes = try #require(json["shapes"] as? [[String: Any]])
        let weighted = try #require(json["weighted"] as? [String: Double])
        #expect(shapes.count == 15 && shapes.allSatisfy { ($0["shape"] as? String)?.isEmpty == false && ($0["count"] as? Int ?? 0) > 0 })
        for pass in ["forward", "backward_data", "backward_weights"] {
            let rates = shapes.compactMap { $0[pass] as? Double }
            let total = try #require(weighted[pass])
            // A FLOP-weighted harmonic mean: between the slowest and the fastest shape.
            #expect(rates.count == 15 && total >= (rates.min() ?? 0) * (1 - 1e-9) && total <= (rates.max() ?? 0) * (1 + 1e-9), "\(pass)")
        }
    }
}
