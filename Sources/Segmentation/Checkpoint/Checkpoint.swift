import NN

/// PSPNet-mini checkpoints: `.safetensors` files with PyTorch's tensor names (docs/DESIGN.md section 4).
///
/// The reader infers the architecture from the tensors alone (classes from `head.4.bias`, blocks per
/// stage from `layerL.B.conv1.weight`, residual stages 2-4 from `layerL.0.down`), so a checkpoint that
/// PyTorch wrote without metadata loads. Stage 1 has no projection either way: its residual flag comes
/// from the `residual` metadata when present and is true otherwise.
public enum Checkpoint {
    /// Writes every tensor of `model` under its PyTorch name, with the config as metadata.
    public static func save(_ model: PSPNetMini, to path: String, extraMetadata: [String: String] = [:]) throws {
        var file = SafeTensors.File(metadata: metadata(for: model.config).merging(extraMetadata) { $1 })
        for (name, tensor) in model.state.tensors { file.set(name, tensor) }
        try SafeTensors.write(file, to: path)
    }

    /// The config as metadata strings.
    static func metadata(for config: ModelConfig) -> [String: String] {
        ["classes": "\(config.classes)",
         "blocks": config.blocks.map(String.init).joined(separator: ","),
         "residual": config.residual.map { $0 ? "true" : "false" }.joined(separator: ","),
         "dropout": "\(config.dropout)"]
    }

    /// Reads a checkpoint and builds the network it describes; errors name the file and tensor.
    /// A sweep job's resumable checkpoint loads too: its training state is skipped.
    /// - Parameter dropout: overrides the heads' dropout probability (0 for a deterministic pass).
    public static func load(path: String, dropout: Float? = nil) throws -> PSPNetMini {
        let file = try SafeTensors.read(path: path)
        var config = try inferConfig(file, path: path)
        if let dropout { config.dropout = dropout }
        let model = PSPNetMini(config: config, seed: 0)
        try model.state.load(from: file, path: path, allowExtra: Trainer.isTrainingState)
        return model
    }

    /// The architecture implied by the tensors' names and shapes.
    static func inferConfig(_ file: SafeTensors.File, path: String) throws -> ModelConfig {
        guard let classifierBias = file.tensors["head.4.bias"] else {
            throw TensorFileError(file: path, field: "head.4.bias", problem: "tensor is missing (is this a PSPNet-mini checkpoint?)")
        }
        guard classifierBias.shape.count == 1, classifierBias.shape[0] > 1, classifierBias.shape[0] < 255 else {
            throw TensorFileError(file: path, field: "head.4.bias", problem: "shape \(classifierBias.shape) is not [classes] with 2-254 classes")
        }
        var blocks: [Int] = []
        var residual: [Bool] = []
        let metadataResidual = file.metadata["residual"]?.split(separator: ",").map { $0 == "true" }
        for stage in 1...4 {
            var count = 0
            while file.tensors["layer\(stage).\(count).conv1.weight"] != nil { count += 1 }
            guard count > 0 else {
                throw TensorFileError(file: path, field: "layer\(stage).0.conv1.weight", problem: "tensor is missing")
            }
            blocks.append(count)
            if stage == 1 {
                residual.append(metadataResidual?.first ?? true)
            } else {
                residual.append(file.tensors["layer\(stage).0.down.0.weight"] != nil)
            }
        }
        let dropout = file.metadata["dropout"].flatMap(Float.init) ?? 0.1
        return ModelConfig(classes: classifierBias.shape[0], blocks: blocks, residual: residual, dropout: dropout)
    }
}
