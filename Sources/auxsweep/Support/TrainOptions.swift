import ArgumentParser
import Foundation
import Segmentation

/// The knobs of one training job, as `auxsweep train` takes them (`bench` runs a fixed workload).
struct TrainOptions: ParsableArguments {
    @Option(help: "SGD iterations.")
    var iterations = TrainConfig.Schedule().iterations

    @Option(help: "Images per batch.")
    var batch = TrainConfig.Schedule().batch

    @Option(name: .customLong("lr"), help: "Base learning rate of the poly schedule.")
    var baseLR = TrainConfig.Schedule().baseLR

    @Option(help: "Evaluate on the validation split every this many iterations (and at the end).")
    var evalEvery = TrainConfig.Schedule().evalEvery

    @Option(help: "Training images in the synthetic set.")
    var trainImages = TrainConfig.Data().trainImages

    @Option(help: "Validation images in the synthetic set.")
    var valImages = TrainConfig.Data().valImages

    @Option(help: "Seed of the synthetic images (fixed per sweep).")
    var dataSeed = TrainConfig.Data().seed

    @Option(help: "BasicBlocks per stage, comma-separated (4 numbers).")
    var blocks = "2,2,2,2"

    @Option(help: "Residual connections per stage, comma-separated true/false (4 values).")
    var residual = "true,true,true,true"

    @Option(help: "Dropout2d probability in the heads.")
    var dropout: Float = 0.1

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive, got \(iterations)") }
        // Batch statistics of the 1x1 pyramid bin need at least two images.
        guard batch >= 2 && batch <= 1024 else { throw ValidationError("--batch must be in 2...1024, got \(batch)") }
        guard baseLR > 0 && baseLR.isFinite else { throw ValidationError("--lr must be positive, got \(baseLR)") }
        guard evalEvery > 0 else { throw ValidationError("--eval-every must be positive, got \(evalEvery)") }
        guard trainImages > 0 && valImages > 0 else { throw ValidationError("--train-images and --val-images must be positive") }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        _ = try parsedBlocks()
        _ = try parsedResidual()
    }

    func parsedBlocks() throws -> [Int] {
        let values = blocks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 4, let counts = values as? [Int], counts.allSatisfy({ $0 >= 1 && $0 <= 16 }) else {
            throw ValidationError("--blocks must be 4 comma-separated counts in 1...16, got '\(blocks)'")
        }
        return counts
    }

    func parsedResidual() throws -> [Bool] {
        let values = residual.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard values.count == 4, values.allSatisfy({ $0 == "true" || $0 == "false" }) else {
            throw ValidationError("--residual must be 4 comma-separated true/false values, got '\(residual)'")
        }
        return values.map { $0 == "true" }
    }

    /// The job's configuration.
    func config() throws -> TrainConfig {
        var config = TrainConfig()
        config.train.iterations = iterations
        config.train.batch = batch
        config.train.baseLR = baseLR
        config.train.evalEvery = evalEvery
        config.data.trainImages = trainImages
        config.data.valImages = valImages
        config.data.seed = dataSeed
        config.model.blocks = try parsedBlocks()
        config.model.residual = try parsedResidual()
        config.model.dropout = dropout
        return config
    }
}
