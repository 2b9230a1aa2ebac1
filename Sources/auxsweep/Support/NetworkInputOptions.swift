import ArgumentParser

/// The checkpoint and input images of `predict` and `grad`, and the threads they run on.
struct NetworkInputOptions: ParsableArguments {
    @Option(help: "A PSPNet-mini .safetensors checkpoint (PyTorch names).")
    var checkpoint: String

    @Option(help: "Input images, .npy float32 N x 3 x H x W (normalised; H and W multiples of 8).")
    var input: String

    @Option(help: "oneDNN threads.")
    var threads = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}
