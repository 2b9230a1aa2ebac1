import ArgumentParser
import NN
import Segmentation

/// `auxsweep predict`: an evaluation-mode forward of the main head.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a checkpoint in evaluation mode and write the main head's logits.",
        discussion: """
            The input is float32 N x 3 x H x W (already normalised; H and W multiples of 8) in an .npy \
            file; the output is float32 N x C x H x W logits in an .npy file.
            """
    )

    @OptionGroup var network: NetworkInputOptions

    @Option(help: "Where to write the logits, .npy float32 N x C x H x W.")
    var output: String

    func run() throws {
        try reportingErrors {
            Compute.setThreads(network.threads)
            let model = try Checkpoint.load(path: network.checkpoint)
            let images = try ArrayFiles.images(path: network.input)
            model.isTraining = false
            try NPY.write(.float32(model.forward(images).main), to: output)
        }
    }
}
