import ArgumentParser
import NN
import Segmentation

/// `auxsweep grad`: one training-mode forward and backward with dropout off.
struct Grad: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute the loss and every parameter's gradient for one batch.",
        discussion: """
            One training-mode forward/backward (batch statistics, dropout off) of \
            loss = main + w * aux. Writes a .safetensors file with the scalars `loss`, `main_loss`, \
            `aux_loss` and the gradient of every parameter under its checkpoint name.
            """
    )

    @OptionGroup var network: NetworkInputOptions

    @Option(help: "Labels, .npy uint8 N x H x W; 255 = ignore.")
    var labels: String

    @Option(help: "Weight w of the auxiliary loss.")
    var auxWeight: Float

    @Option(help: "Where to write the gradients (.safetensors).")
    var output: String

    func validate() throws {
        guard auxWeight >= 0 && auxWeight.isFinite else { throw ValidationError("--aux-weight must be finite and non-negative") }
    }

    func run() throws {
        try reportingErrors {
            Compute.setThreads(network.threads)
            let model = try Checkpoint.load(path: network.checkpoint, dropout: 0)
            let images = try ArrayFiles.images(path: network.input)
            guard images.shape[0] >= 2 else {
                // The 1x1 pyramid bin of one image has one value per channel: batch statistics need two.
                throw InputError(file: network.input, field: "shape", problem: "\(images.shape): a training-mode pass needs at least 2 images")
            }
            let labelBytes = try ArrayFiles.labels(path: labels, images: images, classes: model.config.classes)
            let result = GradientProbe.run(model: model, images: images, labels: labelBytes, auxWeight: auxWeight)
            try SafeTensors.write(result, to: output)
        }
    }
}
