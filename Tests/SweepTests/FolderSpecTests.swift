import Foundation
import Segmentation
import Sweep
import TestSupport
import Testing

/// `data: {kind: folder, ...}` in sweep files: fields, defaults, errors, and the identity (the
/// folder's fingerprint, not its path).
@Suite("Sweep files on folder data")
struct FolderSpecTests {
    static func write(_ text: String, in folder: URL, name: String = "sweep.yaml") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("every folder key is read; the root starts from the file's folder; the classes become the model's")
    func fields() throws {
        let folder = try TestFolders.temporary("spec")
        try TestFolders.ade20k(at: folder.appendingPathComponent("ade"), train: 3, val: 2)
        let path = try Self.write("""
            name: ade
            data:
              kind: folder
              root: ade
              layout: ade20k
              classes: 6
              ignore_index: 200
              reduce_zero_label: true
              size: 32
              mean: [0.5, 0.4, 0.3]
              std: [0.2, 0.2, 0.2]
              augment: {scale: [0.75, 1.5], rotate: false, flip: true, random_crop: false}
            """, in: folder)
        let (spec, text) = try SpecParser.load(path: path)
        let source = try #require(spec.config.data.folder)
        #expect(source.root == folder.appendingPathComponent("ade").standardizedFileURL.path)
        #expect(source.layout == .ade20k && source.classes == 6 && source.ignoreIndex == 200 && source.reduceZeroLabel)
        #expect(source.trainSplit == "training" && source.validationSplit == "validation")
        #expect(source.mean == [0.5, 0.4, 0.3] && source.std == [0.2, 0.2, 0.2])
        #expect(source.augmentation.scale == 0.75...1.5 && source.augmentation.rotate == nil && source.augmentation.flip
                && !source.augmentation.randomCrop)
        #expect(source.fingerprint.count == 16)
        #expect(spec.config.model.classes == 6 && spec.config.data.size == 32)
        // The stored text names the base folder, and means the same spec from anywhere.
        #expect(text.hasSuffix("base_dir: \"\(folder.standardizedFileURL.path)\"\n"))
        #expect(try SpecParser.parse(text, file: "stored") == spec)
    }

    @Test("the identity holds the fingerprint, not the path: a copy elsewhere is the same data, a changed mask is not")
    func identity() throws {
        let base = try TestFolders.temporary("identity")
        try TestFolders.voc(at: base.appendingPathComponent("a/voc"), train: 3, val: 2)
        try FileManager.default.copyItem(at: base.appendingPathComponent("a"), to: base.appendingPathComponent("b"))
        let text = "name: v\ndata: {kind: folder, root: voc, layout: voc, classes: 6, size: 32}\n"
        let a = try SpecParser.load(path: Self.write(text, in: base.appendingPathComponent("a"))).spec
        let b = try SpecParser.load(path: Self.write(text, in: base.appendingPathComponent("b"))).spec
        #expect(a.specHash == b.specHash && a.config.data.folder?.root != b.config.data.folder?.root)
        #expect(!a.canonicalJSON.contains(base.path))
        // One mask's bytes change (another valid mask): another fingerprint, another hash.
        let mask = base.appendingPathComponent("b/voc/SegmentationClass/2007_val_1.png")
        let labels = PixelImage(width: 40, height: 40, channels: 1, pixels: [UInt8](repeating: 1, count: 1600))
        try ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes).write(to: mask)
        let changed = try SpecParser.load(path: Self.write(text, in: base.appendingPathComponent("b"))).spec
        #expect(changed.specHash != a.specHash)
        #expect(a.firstSpecHash == nil)
    }

    @Test("bad folder sections: one line naming the field")
    func errors() throws {
        let folder = try TestFolders.temporary("errors")
        try TestFolders.voc(at: folder.appendingPathComponent("voc"), train: 2, val: 1)
        func problem(_ data: String) -> String {
            do {
                _ = try SpecParser.load(path: Self.write("name: e\ndata: \(data)\n", in: folder))
                return "no error"
            } catch {
                return "\(error)".replacingOccurrences(of: folder.path, with: "DIR")
            }
        }
        #expect(problem("{kind: folder, root: voc, classes: 6}") == "DIR/sweep.yaml: data.layout (line 2): is required with 'kind: folder'")
        #expect(problem("{kind: folder, root: nowhere, layout: voc, classes: 6}")
                == "DIR/sweep.yaml: data.root (line 2): DIR/nowhere is not a folder")
        #expect(problem("{kind: folder, root: voc, layout: cityscapes, classes: 6}")
                == "DIR/sweep.yaml: data.layout (line 2): must be voc, ade20k or pairs, got 'cityscapes'")
        #expect(problem("{kind: folder, root: voc, layout: voc, classes: 6, seed: 3}")
                == "DIR/sweep.yaml: data.seed (line 2): is for the synthetic task, not 'kind: folder'")
        #expect(problem("{kind: shapes, layout: voc}") == "DIR/sweep.yaml: data.layout (line 2): needs 'kind: folder'")
        #expect(problem("{kind: folder, root: voc, layout: voc, classes: 6, ignore_index: 3}")
                == "DIR/sweep.yaml: data.ignore_index (line 2): must be in 6...255, got 3")
        #expect(problem("{kind: folder, root: voc, layout: voc, classes: 255}")
                == "DIR/sweep.yaml: data.classes (line 2): must be in 2...254, got 255")
        #expect(problem("{kind: folder, root: voc, layout: voc, classes: 6, train_split: val}")
                == "DIR/sweep.yaml: data.val_split (line 2): must differ from train_split ('val')")
        #expect(problem("{kind: folder, root: voc, layout: ade20k, classes: 6}")
                == "DIR/sweep.yaml: data.root (line 2): DIR/voc/images/training: folder is missing (auxsweep data check lists every problem)")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("voc/SegmentationClass/2007_train_1.png"))
        #expect(problem("{kind: folder, root: voc, layout: voc, classes: 6}")
                == "DIR/sweep.yaml: data.root (line 2): DIR/voc/JPEGImages/2007_train_1.jpg: has no mask SegmentationClass/2007_train_1.png "
                + "(auxsweep data check lists every problem)")
        // Text from a store has no file folder: a relative root needs base_dir.
        #expect(throws: SpecError.self) {
            try SpecParser.parse("name: e\ndata: {kind: folder, root: voc, layout: voc, classes: 6}\n", file: "stored")
        }
    }

    @Test("the shipped folder example reads once its folder is exported where its README says")
    func shippedExample() throws {
        let base = try TestFolders.temporary("example")
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.createDirectory(at: base.appendingPathComponent("sweeps"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("sweeps/folder-example.yaml"),
                                         to: base.appendingPathComponent("sweeps/folder-example.yaml"))
        try FolderExport.write(train: ShapesDataset(seed: 1234, size: 48, split: .train, count: 20, variant: .simple),
                               validation: ShapesDataset(seed: 1234, size: 48, split: .validation, count: 4, variant: .simple),
                               layout: .voc, to: base.appendingPathComponent("data/voc-example"))
        let spec = try SpecParser.parse(path: base.appendingPathComponent("sweeps/folder-example.yaml").path)
        #expect(spec.name == "folder-example" && spec.config.model.classes == 6 && spec.config.data.folder?.layout == .voc)
        #expect(spec.config.data.folder?.augmentation == Augmentation())
    }
}
