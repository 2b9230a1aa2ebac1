import ArgumentParser
import Foundation
import NN
import Segmentation

/// `auxsweep train`: one training job, no database.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one PSPNet-mini job with loss = main + w * aux (no database).",
        discussion: """
            Trains on the synthetic shapes task and evaluates the main head on the validation split \
            every --eval-every iterations. Progress goes to stderr; each evaluation is printed to stdout \
            as a tab-separated line "iteration  mIoU  pixel_acc  seconds".
            """
    )

    @Option(help: "Weight w of the auxiliary loss, in [0, 1].")
    var auxWeight: Float

    @Option(help: "Job seed: initialisation, batch order and dropout.")
    var seed: UInt64 = 0

    @OptionGroup var options: TrainOptions

    @Option(help: "oneDNN threads for this job.")
    var threads = 1

    @Option(help: "Write the trained network to this .safetensors file.")
    var save: String?

    func validate() throws {
        guard auxWeight >= 0 && auxWeight <= 1 else { throw ValidationError("--aux-weight must be in [0, 1], got \(auxWeight)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        try reportingErrors {
            Compute.setThreads(threads)
            let config = try options.config()
            let trainer = Trainer(config: config, auxWeight: auxWeight, seed: seed)
            let start = Date()
            let progressEvery = max(1, config.train.iterations / 20)
            printLine("iteration\tmiou\tpixel_acc\tseconds")
            try trainer.run { event in
                switch event {
                case .step(let s) where (s.iteration + 1) % progressEvery == 0:
                    printError(String(format: "step %d/%d  lr %.5f  loss %.4f (main %.4f, aux %.4f)",
                                      s.iteration + 1, config.train.iterations, s.lr, s.totalLoss, s.mainLoss, s.auxLoss))
                case .step:
                    break
                case .evaluation(let e):
                    printLine(String(format: "%d\t%.4f\t%.4f\t%.1f", e.iteration, e.miou, e.pixelAccuracy,
                                 Date().timeIntervalSince(start)))
                    let perClass = e.classIoU.map { $0.map { String(format: "%.2f", $0) } ?? "-" }
                    printError("eval at \(e.iteration): per-class IoU \(perClass.joined(separator: " "))")
                }
            }
            if let save {
                try Checkpoint.save(trainer.model, to: save,
                                    extraMetadata: ["aux_weight": "\(auxWeight)", "seed": "\(seed)",
                                                    "iterations": "\(config.train.iterations)"])
                printError("saved \(save)")
            }
        }
    }
}
