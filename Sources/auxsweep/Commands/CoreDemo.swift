import ArgumentParser
import Foundation
import NN
import Sweep

/// `auxsweep core-demo`: a few SGD steps of a tiny network, printing the falling loss.
struct CoreDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core-demo",
        abstract: "Train a tiny segmentation network for a few steps and print the falling loss.",
        discussion: """
            A smoke test of the numeric core (convolution, batch norm, ReLU, pooling, bilinear \
            upsampling, dropout, cross-entropy, SGD with momentum and the poly schedule) on a fixed toy \
            batch. Output: one line per step, "step lr loss", tab-separated.
            """
    )

    @Option(help: "Number of SGD steps.")
    var steps = 30

    @Option(help: "Seed of the initialisation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Base learning rate of the poly schedule.")
    var lr: Float = 0.05

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard lr > 0 else { throw ValidationError("--lr must be positive, got \(lr)") }
    }

    func run() throws {
        let (images, labels) = TinyTask.batch(count: 8, size: 16, seed: 1234)
        let net = TinySegmentationNet(classes: 2, size: 16, seed: seed)
        let loss = CrossEntropyLoss()
        let optimizer = SGD(parameters: net.parameters, momentum: 0.9, weightDecay: 1e-4)
        let schedule = PolyLearningRate(base: lr, maxIterations: steps)
        print("step\tlr\tloss")
        for step in 0..<steps {
            let rate = schedule.rate(at: step)
            optimizer.zeroGrad()
            let value = loss.forward(logits: net.forward(images), labels: labels)
            net.backward(loss.backward())
            optimizer.step(lr: rate)
            print("\(step)\t\(NumberText.fixed(Double(rate), 5))\t\(NumberText.fixed(Double(value), 4))")
        }
    }
}
