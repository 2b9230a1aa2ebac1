import Foundation
import NN

/// Training and evaluation throughput of PSPNet-mini on random 64 x 64 batches.
public enum ThroughputBenchmark {
    /// Images a second for training and evaluation, their GFLOP/s and the peak memory.
    public struct Result: Sendable {
        public let batch: Int
        public let threads: Int
        public let trainImagesPerSecond: Double
        public let evalImagesPerSecond: Double
        /// Effective rates: convolution FLOPs (2 per multiply-add) per second; a training step counts
        /// three times the forward's (forward, backward-data, backward-weights).
        public let trainGFLOPs: Double
        public let evalGFLOPs: Double
        /// Peak resident memory of the process so far, in MiB (VmHWM).
        public let peakRSSMiB: Double
    }

    /// Times training steps (forward, `main + 0.4 * aux`, backward, SGD) and evaluation forwards, each
    /// for at least `seconds` after three warm-up steps; the rates are totals over the timed runs.
    public static func measure(batch: Int, classes: Int = ShapesDataset.classCount, seconds: Double) -> Result {
        let workload = Workload(batch: batch, classes: classes)
        let (trainSteps, trainTime) = timed(seconds, workload.trainStep)
        let trainMACs = workload.trainingMultiplyAdds()
        let (evalSteps, evalTime) = timed(seconds, workload.evalStep)
        let evalMACs = workload.model.lastForwardMultiplyAdds.main
        let trainRate = Double(trainSteps * batch) / trainTime
        let evalRate = Double(evalSteps * batch) / evalTime
        return Result(batch: batch, threads: Compute.threads,
                      trainImagesPerSecond: trainRate, evalImagesPerSecond: evalRate,
                      trainGFLOPs: 3 * 2 * Double(trainMACs.main + trainMACs.aux) / Double(batch) * trainRate / 1e9,
                      evalGFLOPs: 2 * Double(evalMACs) / Double(batch) * evalRate / 1e9,
                      peakRSSMiB: peakResidentMiB())
    }

    /// Where a training step and an evaluation batch spend their time, per kernel kind.
    public struct Breakdown: Sendable {
        /// Milliseconds per training step and per evaluation batch inside each kind of kernel.
        public let train: KernelProfiler.Times
        public let eval: KernelProfiler.Times
        /// Milliseconds per step and per batch in all (kernels plus everything between them).
        public let trainStepSeconds: Double
        public let evalBatchSeconds: Double
    }

    /// Profiles training steps and evaluation batches for at least `seconds` each (after warm-up),
    /// returning average seconds per step or batch by kernel kind.
    public static func breakdown(batch: Int, classes: Int = ShapesDataset.classCount, seconds: Double) -> Breakdown {
        let workload = Workload(batch: batch, classes: classes)
        func profile(_ body: @escaping () -> Void) -> (KernelProfiler.Times, Double) {
            for _ in 0..<3 { body() }
            var runs = 0, elapsed = 0.0
            var times = KernelProfiler.record { (runs, elapsed) = timed(seconds, warmUp: 0, body) }
            times.seconds = times.seconds.map { $0 / Double(runs) }
            return (times, elapsed / Double(runs))
        }
        let (train, trainStep) = profile(workload.trainStep)
        let (eval, evalBatch) = profile(workload.evalStep)
        return Breakdown(train: train, eval: eval, trainStepSeconds: trainStep, evalBatchSeconds: evalBatch)
    }

    /// The benchmark's network, optimizer, fixed random batch and its two kinds of step.
    final class Workload {
        let model: PSPNetMini
        let optimizer: SGD
        let images: Tensor
        let labels: [UInt8]
        let mainLoss = CrossEntropyLoss(), auxLoss = CrossEntropyLoss()

        init(batch: Int, classes: Int) {
            model = PSPNetMini(config: ModelConfig(classes: classes), seed: 1)
            optimizer = SGD(parameters: model.parameters, momentum: 0.9, weightDecay: 1e-4)
            var generator = SeededGenerator(seed: 2)
            var images = Tensor(shape: [batch, 3, 64, 64])
            for i in 0..<images.count { images.data[i] = generator.nextNormal() }
            self.images = images
            labels = (0..<(batch * 64 * 64)).map { _ in UInt8(generator.next() % UInt64(classes)) }
        }

        /// Forward, `main + 0.4 * aux` cross-entropy, backward and an SGD step.
        func trainStep() {
            model.isTraining = true
            optimizer.zeroGrad()
            let (main, aux) = model.forward(images)
            _ = mainLoss.forward(logits: main, labels: labels)
            _ = auxLoss.forward(logits: aux ?? main, labels: labels)
            model.backward(dMain: mainLoss.backward(), dAux: auxLoss.backward(scale: 0.4))
            optimizer.step(lr: 0.01)
        }

        /// An evaluation-mode forward of the main head.
        func evalStep() {
            model.isTraining = false
            _ = model.forward(images)
        }

        /// Multiply-adds of a training forward (main path and auxiliary head).
        func trainingMultiplyAdds() -> (main: Int, aux: Int) {
            model.isTraining = true
            _ = model.forward(images)
            return model.lastForwardMultiplyAdds
        }
    }

    /// Runs `body` `warmUp` times untimed, then repeatedly for at least `seconds`: (runs, seconds).
    static func timed(_ seconds: Double, warmUp: Int = 3, _ body: () -> Void) -> (Int, Double) {
        for _ in 0..<warmUp { body() }
        let start = DispatchTime.now().uptimeNanoseconds
        var runs = 0, elapsed = 0.0
        repeat {
            body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return (runs, elapsed)
    }

    /// VmHWM from /proc/self/status, in MiB (0 where unavailable).
    public static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
