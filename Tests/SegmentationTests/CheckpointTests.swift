import Foundation
import NN
import Segmentation
import Testing
import TestSupport

@Suite("Checkpoints")
struct CheckpointTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-\(UUID().uuidString)-\(name)").path
    }

    @Test("save then load gives the same network, plain stage 4 included")
    func roundTrip() throws {
        let config = ModelConfig(classes: 4, blocks: [1, 1, 2, 3], residual: [true, true, true, false])
        let model = PSPNetMini(config: config, seed: 3)
        let path = Self.temporaryPath("round.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(model, to: path)
        let loaded = try Checkpoint.load(path: path)
        #expect(loaded.config == config)
        #expect(loaded.state.tensors.map(\.name) == model.state.tensors.map(\.name))
        #expect(loaded.state.tensors.map(\.tensor) == model.state.tensors.map(\.tensor))
    }

    @Test("a trainer's resumable checkpoint (a sweep job's) loads as a network, training state skipped")
    func trainerCheckpoint() throws {
        let trainer = Trainer(config: TrainerTests.tinyConfig(iterations: 2), auxWeight: 0.4, seed: 4)
        for _ in 0..<2 { _ = try trainer.step() }
        let path = Self.temporaryPath("job.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.saveCheckpoint(to: path)
        #expect(try SafeTensors.read(path: path).tensors.keys.contains { Trainer.isTrainingState($0) })
        let loaded = try Checkpoint.load(path: path)
        #expect(loaded.state.tensors.map(\.tensor) == trainer.model.state.tensors.map(\.tensor))
    }

    @Test("a checkpoint without metadata loads from names and shapes alone")
    func noMetadata() throws {
        let fixture = try Fixture("model_plain4", target: "SegmentationTests")
        var file = fixture.file
        file.metadata = [:]
        let path = Self.temporaryPath("bare.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(file, to: path)
        let model = try Checkpoint.load(path: path)
        #expect(model.config.classes == 5 && model.config.blocks == [1, 1, 1, 2])
        #expect(model.config.residual == [true, true, true, false])
    }

    @Test("unknown, missing and mis-shaped tensors are errors that name them", arguments: [
        "unknown", "missing", "misshaped",
    ])
    func rejects(_ defect: String) throws {
        var file = try Fixture("model_small_rect", target: "SegmentationTests").file
        let field: String
        switch defect {
        case "unknown": field = "extra.weight"; file.set(field, Tensor(shape: [1], data: [0]))
        case "missing": field = "layer2.0.bn1.running_var"; file.tensors[field] = nil
        default: field = "ppm.stages.2.1.weight"; file.set(field, Tensor(shape: [32, 128, 3, 1]))
        }
        let path = Self.temporaryPath("\(defect).safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(file, to: path)
        #expect {
            _ = try Checkpoint.load(path: path)
        } throws: { error in
            guard let error = error as? TensorFileError else { return false }
            return error.field == field && error.file == path
        }
    }
}
