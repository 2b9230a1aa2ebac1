import NN

/// Trains PSPNet-mini on a segmentation dataset with `loss = main + auxWeight * aux`: SGD with
/// momentum and weight decay, the poly schedule, and evaluations on the validation split.
///
/// The job seed drives initialisation, batch order, dropout and the augmentation of folder data (drawn
/// per step, so every aux weight of a seed sees the same crops); the data (the synthetic task or the
/// folder the config names) is the same for every job of a sweep.
/// Same config, data and seed: bit-identical losses and metrics.
public final class Trainer {
    public let config: TrainConfig
    public let auxWeight: Float
    public let seed: UInt64
    public let model: PSPNetMini
    let optimizer: SGD
    let schedule: PolyLearningRate
    let train: any SegmentationDataset
    let validation: any SegmentationDataset
    let mainLoss: CrossEntropyLoss, auxLoss: CrossEntropyLoss
    /// The order of training images, reshuffled each epoch; the position in it; its generator.
    var order: [Int] = []
    var cursor = 0
    var orderGenerator: SeededGenerator
    /// The next iteration to run.
    public internal(set) var iteration = 0
    /// Makes the next step's batch while this one computes.
    let prefetcher: BatchPrefetcher

    /// A trainer on the data the config names (`config.data`; folder data loaded with `TrainingData.load`).
    public convenience init(config: TrainConfig, auxWeight: Float, seed: UInt64) {
        let data = TrainingData.loaded(config.data)
        self.init(config: config, auxWeight: auxWeight, seed: seed, train: data.train, validation: data.validation)
    }

    /// A trainer on the given splits (their classes must be the model's).
    public init(config: TrainConfig, auxWeight: Float, seed: UInt64, train: any SegmentationDataset,
                validation: any SegmentationDataset) {
        precondition(auxWeight >= 0 && auxWeight.isFinite, "aux weight must be finite and non-negative")
        precondition(config.train.batch >= 2, "training batch norm needs batches of at least 2 images")
        precondition(config.model.classes == train.classCount && train.classCount == validation.classCount,
                     "the model has \(config.model.classes) classes, the data \(train.classCount) (validation \(validation.classCount))")
        precondition(train.ignoreIndex == validation.ignoreIndex, "both splits ignore the same label")
        self.config = config
        self.auxWeight = auxWeight
        self.seed = seed
        model = PSPNetMini(config: config.model, seed: seed)
        optimizer = SGD(parameters: model.parameters, momentum: config.train.momentum, weightDecay: config.train.weightDecay)
        schedule = PolyLearningRate(base: config.train.baseLR, maxIterations: config.train.iterations, power: config.train.polyPower)
        self.train = train
        self.validation = validation
        mainLoss = CrossEntropyLoss(ignoreIndex: train.ignoreIndex)
        auxLoss = CrossEntropyLoss(ignoreIndex: train.ignoreIndex)
        orderGenerator = SeededGenerator(seed: seed, stream: 3)
        prefetcher = BatchPrefetcher(dataset: train, seed: seed)
    }

    /// The next batch's image indices: a fresh permutation every epoch (Fisher-Yates).
    private func nextIndices() -> [Int] {
        Self.draw(batch: config.train.batch, count: train.count, order: &order, cursor: &cursor, generator: &orderGenerator)
    }

    /// The next batch's indices without drawing them (the prefetcher makes that batch ahead).
    private func peekIndices() -> [Int] {
        var (order, cursor, generator) = (order, cursor, orderGenerator)
        return Self.draw(batch: config.train.batch, count: train.count, order: &order, cursor: &cursor, generator: &generator)
    }

    static func draw(batch: Int, count: Int, order: inout [Int], cursor: inout Int, generator: inout SeededGenerator) -> [Int] {
        (0..<batch).map { _ in
            if cursor == order.count {
                order = Array(0..<count)
                for i in stride(from: order.count - 1, to: 0, by: -1) {
                    order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
                }
                cursor = 0
            }
            cursor += 1
            return order[cursor - 1]
        }
    }

    /// Runs one SGD step and returns its record; throws when the loss is not finite.
    public func step() throws -> StepRecord {
        let lr = schedule.rate(at: iteration)
        // Augmentation draws from the job seed and the step, so every aux weight sees the same crops;
        // the next step's batch is made meanwhile.
        let (images, labels) = prefetcher.batch(indices: nextIndices(), iteration: iteration)
        if iteration + 1 < config.train.iterations { prefetcher.prefetch(indices: peekIndices(), iteration: iteration + 1) }
        model.isTraining = true
        optimizer.zeroGrad()
        let (main, aux) = model.forward(images)
        let mainValue = mainLoss.forward(logits: main, labels: labels)
        let auxValue = aux.map { auxLoss.forward(logits: $0, labels: labels) } ?? 0
        let total = mainValue + auxWeight * auxValue
        guard total.isFinite else { throw TrainingError.nonFiniteLoss(iteration: iteration, loss: total) }
        model.backward(dMain: mainLoss.backward(), dAux: auxWeight > 0 ? auxLoss.backward(scale: auxWeight) : nil)
        optimizer.step(lr: lr)
        defer { iteration += 1 }
        return StepRecord(iteration: iteration, lr: lr, mainLoss: mainValue, auxLoss: auxValue, totalLoss: total)
    }

    /// Evaluates the main head on the whole validation split (evaluation mode). Images of the
    /// training size go in batches of the training batch size (the convolutions reuse their plans and
    /// buffers); others window by window (`slidingWindowPrediction`), scored at their labels' resolution.
    public func evaluate() -> EvaluationRecord {
        let batch = config.train.batch
        model.isTraining = false
        defer { model.isTraining = true }
        var accumulator = IoUAccumulator(classes: config.model.classes, ignoreIndex: validation.ignoreIndex)
        guard validation.evaluatesWholeBatches else {
            for index in 0..<validation.count {
                let sample = validation.evaluationSample(index)
                accumulator.add(predictions: slidingWindowPrediction(sample), labels: sample.labels.pixels)
            }
            return EvaluationRecord(iteration: iteration, miou: accumulator.miou,
                                    pixelAccuracy: accumulator.pixelAccuracy, classIoU: accumulator.classIoU)
        }
        var start = 0
        while start < validation.count {
            let indices = Array(start..<min(start + batch, validation.count))
            let (images, labels) = validation.batch(indices)
            accumulator.add(logits: model.forward(images).main, labels: labels)
            start += batch
        }
        return EvaluationRecord(iteration: iteration, miou: accumulator.miou,
                                pixelAccuracy: accumulator.pixelAccuracy, classIoU: accumulator.classIoU)
    }

    /// Whether the schedule evaluates after the steps done so far: every `evalEvery` and at the end.
    public var evaluationDue: Bool {
        iteration > 0 && (iteration % config.train.evalEvery == 0 || iteration == config.train.iterations)
    }

    /// Whether every iteration has run.
    public var isFinished: Bool { iteration >= config.train.iterations }

    /// Trains to the configured iteration count (from wherever it is), evaluating when due.
    public func run(onEvent: (TrainingEvent) -> Void) throws {
        while !isFinished {
            onEvent(.step(try step()))
            if evaluationDue { onEvent(.evaluation(evaluate())) }
        }
    }
}
