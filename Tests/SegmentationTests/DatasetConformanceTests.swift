import NN
import Segmentation
import TestSupport
import Testing

/// The implementations of `SegmentationDataset` the conformance suite runs against.
enum DatasetUnderTest: String, CaseIterable, CustomTestStringConvertible {
    case shapes, simpleShapes, vocFolder, ade20kFolder

    var testDescription: String { rawValue }

    func make() -> any SegmentationDataset {
        do {
            switch self {
            case .shapes: return ShapesDataset(seed: 11, size: 32, split: .train, count: 12)
            case .simpleShapes: return ShapesDataset(seed: 11, size: 32, split: .validation, count: 12, variant: .simple)
            case .vocFolder: return try FolderDataset(source: FolderDatasetTests.voc, split: "train", size: 32, role: .training)
            case .ade20kFolder: return try FolderDataset(source: FolderDatasetTests.ade, split: "training", size: 32, role: .training)
            }
        } catch {
            preconditionFailure("the test folders load: \(error)")
        }
    }
}

/// What every `SegmentationDataset` must do for the trainer: the shapes of a batch, labels in range,
/// and the same bytes for the same image wherever it sits in a batch.
@Suite("Segmentation dataset conformance")
struct DatasetConformanceTests {
    @Test("a batch is [n, 3, size, size] images and n * size * size labels, each a class or the ignore label",
          arguments: DatasetUnderTest.allCases)
    func shapes(_ kind: DatasetUnderTest) {
        let data = kind.make()
        let (images, labels) = data.batch([0, 5, 11])
        #expect(images.shape == [3, 3, data.size, data.size])
        #expect(labels.count == 3 * data.size * data.size)
        #expect(labels.allSatisfy { Int($0) < data.classCount || $0 == data.ignoreIndex })
        #expect(images.data.allSatisfy { $0.isFinite })
    }

    @Test("an image's bytes do not depend on its batch, its position in it, or what was made before",
          arguments: DatasetUnderTest.allCases)
    func independent(_ kind: DatasetUnderTest) {
        let data = kind.make(), plane = data.size * data.size
        let batch = data.batch([7, 2, 7])
        let alone = kind.make().batch([2])
        #expect(Array(batch.images.data[(3 * plane)..<(6 * plane)]).map(\.bitPattern) == alone.images.data.map(\.bitPattern))
        #expect(Array(batch.labels[plane..<(2 * plane)]) == alone.labels)
        #expect(Array(batch.images.data[0..<(3 * plane)]) == Array(batch.images.data[(6 * plane)..<(9 * plane)]))
    }

    @Test("a trainer given the splits explicitly trains exactly as the one the config builds")
    func trainerTakesAnyDataset() throws {
        var config = TrainConfig()
        config.data.size = 32
        config.data.trainImages = 16
        config.data.valImages = 4
        config.model.blocks = [1, 1, 1, 1]
        config.train.batch = 4
        config.train.iterations = 3
        let built = Trainer(config: config, auxWeight: 0.4, seed: 3)
        let given = Trainer(config: config, auxWeight: 0.4, seed: 3,
                            train: ShapesDataset(seed: config.data.seed, size: 32, split: .train, count: 16),
                            validation: ShapesDataset(seed: config.data.seed, size: 32, split: .validation, count: 4))
        for _ in 0..<3 {
            let (a, b) = (try built.step(), try given.step())
            #expect(a == b)
        }
        #expect(built.evaluate() == given.evaluate())
    }
}
