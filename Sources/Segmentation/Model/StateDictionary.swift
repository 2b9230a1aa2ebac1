import NN

/// The model's tensors under their PyTorch names (docs/DESIGN.md section 4), in a stable order: what a
/// checkpoint stores and what `load_state_dict` expects.
public struct StateDictionary {
    /// Where a named tensor lives in the model.
    public enum Slot {
        case parameter(Parameter)
        case runningMean(BatchNorm2d)
        case runningVar(BatchNorm2d)
    }

    public private(set) var entries: [(name: String, slot: Slot)] = []

    /// `name.weight` and, when present, `name.bias`.
    mutating func add(conv: Conv2d, name: String) {
        entries.append((name + ".weight", .parameter(conv.weight)))
        if let bias = conv.bias { entries.append((name + ".bias", .parameter(bias))) }
    }

    /// `name.weight`, `name.bias`, `name.running_mean`, `name.running_var`.
    mutating func add(norm: BatchNorm2d, name: String) {
        entries.append((name + ".weight", .parameter(norm.weight)))
        entries.append((name + ".bias", .parameter(norm.bias)))
        entries.append((name + ".running_mean", .runningMean(norm)))
        entries.append((name + ".running_var", .runningVar(norm)))
    }

    /// The current value of every entry.
    public var tensors: [(name: String, tensor: Tensor)] {
        entries.map { entry in
            switch entry.slot {
            case .parameter(let p): (entry.name, p.value)
            case .runningMean(let bn): (entry.name, bn.runningMean)
            case .runningVar(let bn): (entry.name, bn.runningVar)
            }
        }
    }

    /// Copies every entry from `file`; `num_batches_tracked` is skipped, and an unknown, missing or
    /// mis-shaped tensor is a `TensorFileError` that names it.
    /// - Parameter allowExtra: names of other tensors the file may hold (a training checkpoint's state).
    public func load(from file: SafeTensors.File, path: String, allowExtra: (String) -> Bool = { _ in false }) throws {
        let known = Set(entries.map(\.name))
        for name in file.tensors.keys.sorted()
        where !known.contains(name) && !name.hasSuffix(".num_batches_tracked") && !allowExtra(name) {
            throw TensorFileError(file: path, field: name, problem: "unknown tensor for this architecture")
        }
        for (name, slot) in entries {
            let tensor = try file.tensor(name, file: path)
            let current: Tensor
            switch slot {
            case .parameter(let p): current = p.value
            case .runningMean(let bn): current = bn.runningMean
            case .runningVar(let bn): current = bn.runningVar
            }
            guard tensor.shape == current.shape else {
                throw TensorFileError(file: path, field: name, problem: "shape \(tensor.shape), expected \(current.shape)")
            }
            switch slot {
            case .parameter(let p): p.value = tensor
            case .runningMean(let bn): bn.runningMean = tensor
            case .runningVar(let bn): bn.runningVar = tensor
            }
        }
    }
}
