import Foundation
import NN

/// Makes the next training batch on a background thread while the current step computes.
///
/// The trainer asks for the batch of (indices, iteration) it will need next; when it needs a batch it
/// takes the prefetched one if it was made for exactly those indices and that iteration (so a restored
/// checkpoint or any other change of plan only costs making the batch in place). The bytes are the
/// same either way: a batch depends only on the data, the indices and the step's generator.
final class BatchPrefetcher: @unchecked Sendable {
    typealias Batch = (images: Tensor, labels: [UInt8])

    private let dataset: any SegmentationDataset
    private let seed: UInt64
    private let queue = DispatchQueue(label: "auxsweep.prefetch")
    private let lock = NSLock()
    /// The request in flight or done, and its batch once made (under `lock`).
    private var request: (indices: [Int], iteration: Int)?
    private var made: Batch?
    private let ready = DispatchGroup()

    init(dataset: any SegmentationDataset, seed: UInt64) {
        self.dataset = dataset
        self.seed = seed
    }

    /// The batch of step `iteration` for `indices`: augmentation drawn from the job seed and the step.
    static func make(_ dataset: any SegmentationDataset, seed: UInt64, indices: [Int], iteration: Int) -> Batch {
        var generator = SeededGenerator(seed: seed, stream: 4 << 40 | UInt64(iteration))
        return dataset.trainingBatch(indices, generator: &generator)
    }

    /// Starts making the batch of `iteration` for `indices` (the previous request must have been taken).
    func prefetch(indices: [Int], iteration: Int) {
        lock.withLock {
            request = (indices, iteration)
            made = nil
        }
        let (dataset, seed) = (dataset, seed)
        queue.async(group: ready) { [self] in
            let batch = Self.make(dataset, seed: seed, indices: indices, iteration: iteration)
            lock.withLock { made = batch }
        }
    }

    /// The batch of `iteration` for `indices`: the prefetched one when it matches, else made now.
    func batch(indices: [Int], iteration: Int) -> Batch {
        ready.wait()
        let prefetched: Batch? = lock.withLock {
            defer { request = nil; made = nil }
            guard let request, request.indices == indices, request.iteration == iteration else { return nil }
            return made
        }
        return prefetched ?? Self.make(dataset, seed: seed, indices: indices, iteration: iteration)
    }
}
