import Foundation

/// Training throughput on a config's own data next to the synthetic task at the same image size,
/// model and batch: what a data set costs beyond the network (decoding happens before, augmentation
/// and batching during training).
public enum DataThroughput {
    /// Training images a second on the data and on the synthetic task, and their ratio.
    public struct Result: Sendable, Codable {
        public let size: Int
        public let batch: Int
        /// Training images a second on the config's data, and on the synthetic task.
        public let dataImagesPerSecond: Double
        public let syntheticImagesPerSecond: Double
        /// data / synthetic.
        public let ratio: Double
    }

    /// Alternates one-second rounds of training steps on `config`'s data (loaded with
    /// `TrainingData.load`) and on the synthetic task with the same size, model and batch, until each
    /// had `seconds`; img/s of each.
    public static func measure(config given: TrainConfig, seconds: Double) throws -> Result {
        var config = given
        config.train.iterations = 1_000_000   // a learning rate that stays away from 0
        let data = try TrainingData.load(config.data)
        var synthetic = config
        synthetic.data.folder = nil
        synthetic.data.kind = .full
        synthetic.data.trainImages = 4096
        synthetic.data.valImages = 16
        synthetic.model.classes = synthetic.data.kind.classCount
        let onData = Trainer(config: config, auxWeight: 0.4, seed: 0, train: data.train, validation: data.validation)
        let onSynthetic = Trainer(config: synthetic, auxWeight: 0.4, seed: 0)
        var steps = (data: 0, synthetic: 0), elapsed = (data: 0.0, synthetic: 0.0)
        for trainer in [onData, onSynthetic] { for _ in 0..<2 { _ = try trainer.step() } }
        while elapsed.data < seconds || elapsed.synthetic < seconds {
            let (a, s) = try round(onData)
            steps.data += a
            elapsed.data += s
            let (b, t) = try round(onSynthetic)
            steps.synthetic += b
            elapsed.synthetic += t
        }
        let batch = config.train.batch
        let onDataRate = Double(steps.data * batch) / elapsed.data, onSyntheticRate = Double(steps.synthetic * batch) / elapsed.synthetic
        return Result(size: config.data.size, batch: batch, dataImagesPerSecond: onDataRate,
                      syntheticImagesPerSecond: onSyntheticRate, ratio: onDataRate / onSyntheticRate)
    }

    /// Steps for about a second.
    static func round(_ trainer: Trainer) throws -> (Int, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        var steps = 0, elapsed = 0.0
        repeat {
            _ = try trainer.step()
            steps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < 1
        return (steps, elapsed)
    }
}
