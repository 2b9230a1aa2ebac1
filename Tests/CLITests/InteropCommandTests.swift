import Foundation
import NN
import Testing
import TestSupport

/// `predict` and `grad` on PyTorch-made checkpoints, through the command line, and their errors.
@Suite("predict and grad commands")
struct InteropCommandTests {
    static func fixture(_ name: String) throws -> Fixture { try Fixture(name, target: "SegmentationTests") }

    @Test("predict writes PyTorch's evaluation logits", arguments: ["default", "small_rect"])
    func predict(_ name: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let io = try Self.fixture("io_" + name)
        let input = dir.appendingPathComponent("x.npy").path, output = dir.appendingPathComponent("logits.npy").path
        try NPY.write(.float32(try io.tensor("x")), to: input)
        let result = try CLIRunner.run(["predict", "--checkpoint", try Self.fixture("model_" + name).path,
                                        "--input", input, "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        guard case .float32(let logits) = try NPY.read(path: output) else { Issue.record("not float32"); return }
        #expect(Tolerance.error(logits, try io.tensor("eval_logits")) <= Tolerance.forward)
    }

    @Test("grad writes PyTorch's losses and gradients", arguments: ["small_rect", "plain4"])
    func grad(_ name: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let io = try Self.fixture("io_" + name)
        let x = try io.tensor("x")
        let input = dir.appendingPathComponent("x.npy").path, labels = dir.appendingPathComponent("y.npy").path
        let output = dir.appendingPathComponent("grads.safetensors").path
        try NPY.write(.float32(x), to: input)
        try NPY.write(.uint8(shape: [x.shape[0], x.shape[2], x.shape[3]], values: try io.bytes("labels")), to: labels)
        let result = try CLIRunner.run(["grad", "--checkpoint", try Self.fixture("model_" + name).path, "--input", input,
                                        "--labels", labels, "--aux-weight", io.file.metadata["aux_weight"] ?? "?",
                                        "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let grads = try SafeTensors.read(path: output)
        for scalar in ["loss", "main_loss", "aux_loss"] {
            let ours = try grads.tensor(scalar).data[0], theirs = try io.tensor(scalar).data[0]
            #expect(abs(ours - theirs) <= Tolerance.forward * abs(theirs), "\(scalar)")
        }
        let names = grads.tensors.keys.filter { !["loss", "main_loss", "aux_loss"].contains($0) }
        #expect(names.count == io.file.tensors.keys.filter { $0.hasPrefix("grad.") }.count)
        for name in names {
            #expect(Tolerance.relativeL2(try grads.tensor(name), try io.tensor("grad." + name)) <= Tolerance.backward, "\(name)")
        }
    }

    @Test("bad files: one line naming file, field and problem; exit 2; nothing written", arguments: [
        ("truncated checkpoint", "header length"), ("checkpoint is not safetensors", "header length"),
        ("images not float32", "descr"), ("images wrong rank", "shape"), ("images not multiple of 8", "shape"),
        ("labels wrong shape", "shape"), ("label out of range", "data"), ("missing input", "file"),
    ])
    func badFiles(_ defect: String, _ field: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var checkpoint = try Self.fixture("model_small_rect").path
        let input = dir.appendingPathComponent("x.npy").path, labels = dir.appendingPathComponent("y.npy").path
        let output = dir.appendingPathComponent("out.safetensors").path
        var x = Tensor(shape: [2, 3, 16, 16])
        var y = NPY.Array.uint8(shape: [2, 16, 16], values: [UInt8](repeating: 1, count: 512))
        var inputBytes: Data?
        switch defect {
        case "truncated checkpoint":
            let data = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
            checkpoint = dir.appendingPathComponent("cut.safetensors").path
            try data.prefix(6).write(to: URL(fileURLWithPath: checkpoint))
        case "checkpoint is not safetensors":
            checkpoint = dir.appendingPathComponent("text.safetensors").path
            try Data("hello, this is text, not tensors".utf8).write(to: URL(fileURLWithPath: checkpoint))
        case "images not float32": inputBytes = NPY.encode(.uint8(shape: [2, 3, 16, 16], values: [UInt8](repeating: 0, count: 1536)))
        case "images wrong rank": x = Tensor(shape: [3, 16, 16])
        case "images not multiple of 8": x = Tensor(shape: [2, 3, 12, 16])
        case "labels wrong shape": y = .uint8(shape: [2, 16, 8], values: [UInt8](repeating: 1, count: 256))
        case "label out of range": y = .uint8(shape: [2, 16, 16], values: [UInt8](repeating: 9, count: 512))
        default: break
        }
        if defect != "missing input" {
            try (inputBytes ?? NPY.encode(.float32(x))).write(to: URL(fileURLWithPath: input))
        }
        try NPY.write(y, to: labels)
        let result = try CLIRunner.run(["grad", "--checkpoint", checkpoint, "--input", input, "--labels", labels,
                                        "--aux-weight", "0.4", "--output", output])
        #expect(result.status == 2, "\(defect): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(defect): \(result.stderr)")
        #expect(result.stderr.contains(": \(field): "), "\(defect): \(result.stderr)")
        #expect(result.stderr.hasPrefix("auxsweep: "), "\(defect): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

/// A checkpoint written by `auxsweep train --save`, loaded by PyTorch with `load_state_dict`
/// (tools/reference/check_swift_checkpoint.py): PyTorch's logits and ours agree.
@Suite("auxsweep checkpoints in PyTorch")
struct SwiftCheckpointInPyTorchTests {
    @Test("PyTorch's evaluation of our checkpoint equals our predict")
    func pyTorchAgrees() throws {
        let checkpoint = try Fixture("swift_trained", target: "SegmentationTests")
        let torch = try Fixture("swift_trained_in_torch", target: "SegmentationTests")
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("x.npy").path, output = dir.appendingPathComponent("y.npy").path
        try NPY.write(.float32(try torch.tensor("x")), to: input)
        let result = try CLIRunner.run(["predict", "--checkpoint", checkpoint.path, "--input", input, "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        guard case .float32(let logits) = try NPY.read(path: output) else { Issue.record("not float32"); return }
        #expect(Tolerance.error(logits, try torch.tensor("eval_logits")) <= Tolerance.forward)
    }
}
