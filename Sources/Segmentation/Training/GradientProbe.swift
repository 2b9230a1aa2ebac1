import NN

/// One training-mode forward and backward of `main + w * aux`, reported as a tensor file: what
/// `auxsweep grad` writes and what the PyTorch parity tests compare.
public enum GradientProbe {
    /// Runs the model (in training mode, as it is configured) on one batch. The result holds the
    /// scalars `loss`, `main_loss`, `aux_loss` (shape []) and each parameter's gradient under its
    /// checkpoint name.
    public static func run(model: PSPNetMini, images: Tensor, labels: [UInt8], auxWeight: Float) -> SafeTensors.File {
        model.isTraining = true
        model.parameters.forEach { $0.zeroGrad() }
        let mainLoss = CrossEntropyLoss(), auxLoss = CrossEntropyLoss()
        let (main, aux) = model.forward(images)
        let mainValue = mainLoss.forward(logits: main, labels: labels)
        let auxValue = aux.map { auxLoss.forward(logits: $0, labels: labels) } ?? 0
        model.backward(dMain: mainLoss.backward(), dAux: auxWeight > 0 ? auxLoss.backward(scale: auxWeight) : nil)
        var file = SafeTensors.File()
        file.set("loss", Tensor(shape: [], data: [mainValue + auxWeight * auxValue]))
        file.set("main_loss", Tensor(shape: [], data: [mainValue]))
        file.set("aux_loss", Tensor(shape: [], data: [auxValue]))
        for (name, slot) in model.state.entries {
            if case .parameter(let p) = slot { file.set(name, p.grad) }
        }
        return file
    }
}
