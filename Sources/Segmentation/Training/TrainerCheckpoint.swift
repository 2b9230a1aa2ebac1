import NN

/// Resumable training state in one `.safetensors` file: the network under its PyTorch names, the
/// momentum buffers, the batch order and every random generator, so a job resumed from it continues
/// bit for bit as if it had never stopped.
extension Trainer {
    /// Whether a tensor of a resumable checkpoint is training state (momentum buffers, batch order)
    /// rather than part of the network: a network-only reader skips these.
    public static func isTrainingState(_ name: String) -> Bool {
        name.hasPrefix("sgd.") || name.hasPrefix("trainer.")
    }

    /// Writes the state after the last completed iteration (atomically); `metadata` is added to the
    /// file's own keys (a sweep runner records the checkpoint's identity there).
    public func saveCheckpoint(to path: String, metadata: [String: String] = [:]) throws {
        var file = SafeTensors.File(metadata: metadata.merging([
            "iteration": "\(iteration)",
            "cursor": "\(cursor)",
            "aux_weight": "\(auxWeight)",
            "seed": "\(seed)",
            "order_rng": Self.text(orderGenerator.state),
            "dropout_rng_main": Self.text(model.dropouts.main.generator.state),
            "dropout_rng_aux": Self.text(model.dropouts.aux.generator.state),
        ]) { _, own in own })
        for (name, tensor) in model.state.tensors { file.set(name, tensor) }
        for (index, buffer) in optimizer.buffers.enumerated() { file.set("sgd.momentum.\(index)", buffer) }
        file.set("trainer.order", Tensor(shape: [order.count], data: order.map(Float.init)))
        try SafeTensors.write(file, to: path)
    }

    /// Restores the state written by `saveCheckpoint` for the same config, weight and seed.
    public func restoreCheckpoint(from path: String) throws {
        try restoreCheckpoint(from: try SafeTensors.read(path: path), path: path)
    }

    /// Restores the state from a checkpoint file already read from `path` (named in errors).
    public func restoreCheckpoint(from file: SafeTensors.File, path: String) throws {
        func meta(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw TensorFileError(file: path, field: key, problem: "metadata is missing (not a training checkpoint?)")
            }
            return value
        }
        func words(_ key: String) throws -> [UInt64] {
            let values = try meta(key).split(separator: ",").compactMap { UInt64($0) }
            guard values.count == 4 else { throw TensorFileError(file: path, field: key, problem: "is not 4 integers") }
            return values
        }
        guard let savedIteration = Int(try meta("iteration")), (0...config.train.iterations).contains(savedIteration),
              let savedCursor = Int(try meta("cursor")) else {
            throw TensorFileError(file: path, field: "iteration", problem: "is not an iteration of this job")
        }
        guard try meta("seed") == "\(seed)", try meta("aux_weight") == "\(auxWeight)" else {
            throw TensorFileError(file: path, field: "seed", problem: "belongs to another job")
        }
        try model.state.load(from: file, path: path, allowExtra: Trainer.isTrainingState)
        let buffers = try (0..<optimizer.parameters.count).compactMap { index -> Tensor? in
            file.tensors["sgd.momentum.\(index)"] == nil ? nil : try file.tensor("sgd.momentum.\(index)", file: path)
        }
        guard buffers.isEmpty || buffers.count == optimizer.parameters.count,
              buffers.map(\.shape) == optimizer.parameters.prefix(buffers.count).map(\.value.shape) else {
            throw TensorFileError(file: path, field: "sgd.momentum", problem: "buffers do not match the network")
        }
        optimizer.restore(buffers: buffers)
        order = try file.tensor("trainer.order", file: path).data.map { Int($0) }
        guard savedCursor >= 0 && savedCursor <= order.count, order.allSatisfy({ $0 >= 0 && $0 < train.count }) else {
            throw TensorFileError(file: path, field: "trainer.order", problem: "does not fit this data set")
        }
        cursor = savedCursor
        orderGenerator.state = try words("order_rng")
        model.dropouts.main.generator.state = try words("dropout_rng_main")
        model.dropouts.aux.generator.state = try words("dropout_rng_aux")
        iteration = savedIteration
    }

    static func text(_ words: [UInt64]) -> String { words.map(String.init).joined(separator: ",") }
}
