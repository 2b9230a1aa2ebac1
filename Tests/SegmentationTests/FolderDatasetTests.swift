import Foundation
import NN
@testable import Segmentation
import TestSupport
import Testing

/// Folder data sets: the three layouts, label mapping, stored sizes, augmentation, and the exported
/// synthetic task training bit for bit as the synthetic task itself.
@Suite("Folder data sets")
struct FolderDatasetTests {
    /// One VOC and one ADE20K folder for the whole suite (they are only read).
    static let voc: FolderSource = {
        do { return try TestFolders.voc(at: TestFolders.temporary("voc"), train: 12, val: 4) } catch { fatalError("\(error)") }
    }()
    static let ade: FolderSource = {
        do { return try TestFolders.ade20k(at: TestFolders.temporary("ade"), train: 12, val: 4) } catch { fatalError("\(error)") }
    }()

    /// A small network at 32x32, `classes` classes, batch `batch`, `iterations` steps.
    static func config(classes: Int, batch: Int, iterations: Int) -> TrainConfig {
        var config = TrainConfig()
        config.data.size = 32
        config.model.blocks = [1, 1, 1, 1]
        config.model.classes = classes
        config.train.batch = batch
        config.train.iterations = iterations
        return config
    }

    @Test("VOC: images stored with the shorter side the training size, training labels beside them, validation labels at their own size")
    func vocSizes() throws {
        let train = try FolderDataset(source: Self.voc, split: "train", size: 32, role: .training)
        let val = try FolderDataset(source: Self.voc, split: "val", size: 32, role: .evaluation)
        #expect(train.count == 12 && val.count == 4 && train.classCount == 6 && !val.evaluatesWholeBatches)
        for index in 0..<train.count {
            let (image, labels) = train.stored(index)
            #expect(min(image.width, image.height) == 32 && labels.width == image.width && labels.height == image.height)
        }
        var outlines = 0
        for index in 0..<val.count {
            let sample = val.evaluationSample(index)
            let (w, h) = TestFolders.crop(index)
            #expect(sample.labels.width == w && sample.labels.height == h)
            #expect(min(sample.image.shape[2], sample.image.shape[3]) == 32)
            #expect(sample.labels.pixels.allSatisfy { $0 < 6 || $0 == 255 })
            outlines += sample.labels.pixels.filter { $0 == 255 }.count
        }
        #expect(outlines > 0)
    }

    @Test("ADE20K with reduce_zero_label: stored 0 (void) becomes the ignore index and k becomes k - 1")
    func adeReducesZeroLabel() throws {
        let val = try FolderDataset(source: Self.ade, split: "validation", size: 32, role: .evaluation)
        let raw = try ImageCodec.decodeMask(Data(contentsOf: URL(fileURLWithPath: Self.ade.root)
            .appendingPathComponent(val.samples[0].mask)), file: "mask").labels
        let mapped = val.evaluationSample(0).labels
        #expect(mapped.pixels == raw.pixels.map { $0 == 0 ? 255 : $0 - 1 })
        #expect(mapped.pixels.first == 255)
    }

    @Test("augmentation off: a training batch is the centre crop, the same as batch()")
    func noAugmentationIsCentreCrop() throws {
        var source = Self.voc
        source.augmentation = .none
        let data = try FolderDataset(source: source, split: "train", size: 32, role: .training)
        var generator = SeededGenerator(seed: 1)
        let crop = data.trainingBatch([3], generator: &generator)
        #expect(crop.images.data.map(\.bitPattern) == data.batch([3]).images.data.map(\.bitPattern))
        // The centre of the stored labels.
        let (_, labels) = data.stored(3)
        let (left, top) = ((labels.width - 32) / 2, (labels.height - 32) / 2)
        #expect(labels.width > 32 || labels.height > 32)
        var centre: [UInt8] = []
        for y in top..<(top + 32) {
            let start = y * labels.width + left
            centre += labels.pixels[start..<(start + 32)]
        }
        #expect(crop.labels == centre)
    }

    @Test("augmented crops: the same draws give the same bytes, labels stay classes or ignore, padding is ignored")
    func augmentedCrops() throws {
        let data = try FolderDataset(source: Self.voc, split: "train", size: 48, role: .training)
        var a = SeededGenerator(seed: 5, stream: 9), b = SeededGenerator(seed: 5, stream: 9)
        let first = data.trainingBatch(Array(0..<12), generator: &a)
        let again = data.trainingBatch(Array(0..<12), generator: &b)
        #expect(first.images.data.map(\.bitPattern) == again.images.data.map(\.bitPattern) && first.labels == again.labels)
        #expect(first.labels.allSatisfy { $0 < 6 || $0 == 255 })
        #expect(first.images.data.allSatisfy { $0.isFinite })
        // Stored images are 48 on the shorter side: scales below 1 must pad with ignored pixels.
        #expect(first.labels.filter { $0 == 255 }.count > first.labels.count / 10)
        var other = SeededGenerator(seed: 6, stream: 9)
        #expect(data.trainingBatch(Array(0..<12), generator: &other).labels != first.labels)
    }

    @Test("flip only: every crop is the centre crop or its mirror image")
    func flipOnly() throws {
        var source = Self.ade
        source.augmentation = .none
        source.augmentation.flip = true
        let data = try FolderDataset(source: source, split: "training", size: 32, role: .training)
        let centre = data.batch([0]).labels
        let mirrored = (0..<32).flatMap { y in (0..<32).map { x in centre[y * 32 + 31 - x] } }
        var seen = Set<Bool>()
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<16 {
            let labels = data.trainingBatch([0], generator: &generator).labels
            #expect(labels == centre || labels == mirrored)
            seen.insert(labels == mirrored)
        }
        #expect(seen == [false, true])
    }

    @Test("an exported pairs folder is the quantised synthetic task: same batches, same training steps, same evaluations")
    func exportedPairsTrainBitIdentically() throws {
        let folder = try TestFolders.temporary("pairs").appendingPathComponent("pairs")
        let train = ShapesDataset(seed: 1234, size: 32, split: .train, count: 24, quantized: true)
        let val = ShapesDataset(seed: 1234, size: 32, split: .validation, count: 8, quantized: true)
        try FolderExport.write(train: train, validation: val, layout: .pairs, to: folder)
        var source = FolderSource(root: folder.path, layout: .pairs, classes: 11)
        (source.mean, source.std, source.augmentation) = ([0.5, 0.5, 0.5], [0.25, 0.25, 0.25], .none)
        let folderTrain = try FolderDataset(source: source, split: "train", size: 32, role: .training)
        let folderVal = try FolderDataset(source: source, split: "val", size: 32, role: .evaluation)
        #expect(folderVal.evaluatesWholeBatches)
        let a = train.batch([3, 17, 0]), b = folderTrain.batch([3, 17, 0])
        #expect(a.images.data.map(\.bitPattern) == b.images.data.map(\.bitPattern) && a.labels == b.labels)
        // Not the unquantised task: the test would pass for the wrong reason if both ignored quantisation.
        #expect(ShapesDataset(seed: 1234, size: 32, split: .train, count: 24).batch([3]).images.data != a.images.data.prefix(3 * 32 * 32).map { $0 })

        let config = Self.config(classes: 11, batch: 4, iterations: 8)
        let synthetic = Trainer(config: config, auxWeight: 0.4, seed: 3, train: train, validation: val)
        let fromFolder = Trainer(config: config, auxWeight: 0.4, seed: 3, train: folderTrain, validation: folderVal)
        for _ in 0..<8 { #expect(try synthetic.step() == fromFolder.step()) }
        #expect(synthetic.evaluate() == fromFolder.evaluate())
    }

    @Test("sliding-window evaluation of an image of the training size predicts the argmax of the batch logits")
    func slidingWindowOnWholeImage() throws {
        let config = Self.config(classes: 6, batch: 2, iterations: TrainConfig().train.iterations)
        let data = ShapesDataset(seed: 4, size: 32, split: .validation, count: 2, variant: .simple)
        let trainer = Trainer(config: config, auxWeight: 0.4, seed: 1, train: data, validation: data)
        trainer.model.isTraining = false
        let sample = data.evaluationSample(1)
        let logits = trainer.model.forward(sample.image).main
        var expected = [UInt8](repeating: 0, count: 32 * 32)
        for p in 0..<(32 * 32) {
            expected[p] = UInt8((0..<6).max { logits.data[$0 * 1024 + p] < logits.data[$1 * 1024 + p] } ?? 0)
        }
        #expect(trainer.slidingWindowPrediction(sample) == expected)
    }

    @Test("VOC and ADE20K evaluations score at the labels' resolution through sliding windows")
    func windowedEvaluation() throws {
        let config = Self.config(classes: 6, batch: 4, iterations: 4)
        for (source, splits) in [(Self.voc, ("train", "val")), (Self.ade, ("training", "validation"))] {
            let trainer = Trainer(config: config, auxWeight: 0.4, seed: 1,
                                  train: try FolderDataset(source: source, split: splits.0, size: 32, role: .training),
                                  validation: try FolderDataset(source: source, split: splits.1, size: 32, role: .evaluation))
            for _ in 0..<4 { _ = try trainer.step() }
            let record = trainer.evaluate()
            #expect(record.classIoU.count == 6 && record.miou >= 0 && record.miou <= 1 && record.pixelAccuracy > 0)
            #expect(trainer.evaluate() == record)
        }
    }

    @Test("a job on augmented folder data resumed from a checkpoint continues bit for bit")
    func resumeIsExact() throws {
        let config = Self.config(classes: 6, batch: 4, iterations: 10)
        let train = try FolderDataset(source: Self.voc, split: "train", size: 32, role: .training)
        let val = try FolderDataset(source: Self.voc, split: "val", size: 32, role: .evaluation)
        let whole = Trainer(config: config, auxWeight: 0.4, seed: 7, train: train, validation: val)
        let first = Trainer(config: config, auxWeight: 0.4, seed: 7, train: train, validation: val)
        var expected: [StepRecord] = []
        for _ in 0..<10 { expected.append(try whole.step()) }
        for _ in 0..<6 { _ = try first.step() }
        let path = try TestFolders.temporary("resume").appendingPathComponent("job.safetensors").path
        try first.saveCheckpoint(to: path)
        let resumed = Trainer(config: config, auxWeight: 0.4, seed: 7, train: train, validation: val)
        try resumed.restoreCheckpoint(from: path)
        for k in 6..<10 { #expect(try resumed.step() == expected[k]) }
        #expect(resumed.evaluate() == whole.evaluate())
    }
}
