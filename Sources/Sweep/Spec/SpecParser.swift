import Foundation
import Segmentation
import Yams

/// Reads and validates a sweep file (YAML). Every problem is a `SpecError` naming the file, the
/// field with its line, and the problem; nothing is written before a file has passed.
public enum SpecParser {
    /// Limits that keep a job within a worker's memory and a sweep within reason.
    public static let maxImageSize = 256
    public static let maxBatch = 256
    /// batch x size^2 at most 64 x 128^2: about 2 GiB of activations for one job.
    public static let maxBatchPixels = 64 * 128 * 128

    /// Reads and parses the file at `path` (relative data paths from its folder).
    public static func parse(path: String) throws -> SweepSpec {
        try load(path: path).spec
    }

    /// Reads and parses the file at `path`, with the text a store keeps for it: the file's text, plus
    /// a `base_dir` line when it trains on a data folder (whose root may be relative), so that a
    /// worker reading the text back from the store (anywhere) finds the same folder.
    /// Without `fingerprintingData` a folder data set's files are not read (its fingerprint stays
    /// empty): `data check` lists every problem of a folder rather than the first.
    public static func load(path: String, fingerprintingData: Bool = true) throws -> (spec: SweepSpec, text: String) {
        let text = try read(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
        let spec = try parse(text, file: path, baseDirectory: folder, fingerprintingData: fingerprintingData)
        guard spec.config.data.folder != nil, !hasBaseDirectory(text), fingerprintingData else { return (spec, text) }
        // A JSON string is a YAML double-quoted scalar.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let quoted = String(decoding: (try? encoder.encode(folder.path)) ?? Data(), as: UTF8.self)
        let stored = text + (text.hasSuffix("\n") ? "" : "\n")
            + "# Added by auxsweep when registering: the folder relative data paths start from.\nbase_dir: \(quoted)\n"
        // The stored text must mean the same spec (a file ending in a document marker would not);
        // the folder is not read twice for that.
        var again = try? parse(stored, file: path, baseDirectory: nil, fingerprintingData: false)
        again?.config.data.folder?.fingerprint = spec.config.data.folder?.fingerprint ?? ""
        guard again == spec else {
            throw SpecError(file: path, field: "base_dir", line: nil,
                            problem: "cannot be added to this file; add 'base_dir: <folder>' (where data.root starts from) yourself")
        }
        return (spec, stored)
    }

    /// Whether the text has a top-level `base_dir` key.
    static func hasBaseDirectory(_ text: String) -> Bool {
        (try? Yams.compose(yaml: text))??.mapping?.keys.contains { $0.string == "base_dir" } ?? false
    }

    /// The text of the file at `path` (UTF-8), or an error naming it.
    public static func read(path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SpecError(file: path, field: "file", line: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Parses YAML `text` of a file called `file`; a relative `data.root` starts from the text's
    /// `base_dir`, else from `baseDirectory` (nil: refused).
    public static func parse(_ text: String, file: String, baseDirectory: URL? = nil, fingerprintingData: Bool = true) throws -> SweepSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw SpecError(file: file, field: "yaml", line: yamlLine(error), problem: yamlProblem(error))
        } catch {
            throw SpecError(file: file, field: "yaml", line: nil, problem: "\(error)")
        }
        guard let root, let top = root.mapping else {
            throw SpecError(file: file, field: "file", line: root?.mark?.line, problem: "must be a mapping with at least 'name'")
        }
        var reader = Reader(file: file, baseDirectory: baseDirectory, fingerprintsData: fingerprintingData)
        return try reader.sweep(top, mark: root.mark)
    }

    static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): mark.line
        case let .duplicatedKeysInMapping(_, context): context.mark.line
        default: nil
        }
    }

    static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            "not valid YAML (\(problem))"
        case let .duplicatedKeysInMapping(duplicates, _):
            "duplicate key \(duplicates.joined(separator: ", "))"
        default:
            "not valid YAML"
        }
    }
}

/// Walks the YAML tree, reading typed values with their field paths and lines.
struct Reader {
    let file: String
    /// Where a relative `data.root` starts (a `base_dir` key replaces it).
    var baseDirectory: URL?
    /// Whether a folder data set's files are read for its fingerprint.
    var fingerprintsData = true

    func fail(_ field: String, _ node: Node?, _ problem: String) -> SpecError {
        SpecError(file: file, field: field, line: node?.mark?.line, problem: problem)
    }

    /// The pairs of a mapping by key, refusing keys outside `allowed` and duplicates.
    func fields(_ mapping: Node.Mapping, path: String, allowed: [String]) throws -> [String: Node] {
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(path.isEmpty ? "key" : path, key, "keys must be strings") }
            let field = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw fail(field, key, "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
            }
            guard result[name] == nil else { throw fail(field, key, "appears twice") }
            result[name] = value
        }
        return result
    }

    func integer(_ node: Node, _ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard case .scalar(let s) = node, s.style == .plain, let v = Int(s.string) else {
            throw fail(field, node, "must be an integer, got \(describe(node))")
        }
        guard range.contains(v) else {
            throw fail(field, node, "must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return v
    }

    func number(_ node: Node, _ field: String, in range: ClosedRange<Double>, open: Bool = false) throws -> Double {
        guard case .scalar(let s) = node, s.style == .plain, let v = Double(s.string), v.isFinite else {
            throw fail(field, node, "must be a number, got \(describe(node))")
        }
        guard range.contains(v), !(open && v == range.lowerBound) else {
            throw fail(field, node, "must be in \(open ? "(" : "[")\(range.lowerBound), \(range.upperBound)], got \(s.string)")
        }
        return v
    }

    func boolean(_ node: Node, _ field: String) throws -> Bool {
        guard case .scalar(let s) = node, s.style == .plain, ["true", "false"].contains(s.string) else {
            throw fail(field, node, "must be true or false, got \(describe(node))")
        }
        return s.string == "true"
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    mutating func sweep(_ top: Node.Mapping, mark: Mark?) throws -> SweepSpec {
        let f = try fields(top, path: "", allowed: ["name", "aux_weights", "seeds", "until", "jobs", "data", "model", "train", "base_dir"])
        if let n = f["base_dir"] {
            guard let path = n.string, path.hasPrefix("/") else { throw fail("base_dir", n, "must be an absolute path, got \(describe(n))") }
            baseDirectory = URL(fileURLWithPath: path)
        }
        guard let nameNode = f["name"] else {
            throw SpecError(file: file, field: "name", line: mark?.line, problem: "is required")
        }
        guard case .scalar(let nameScalar) = nameNode else { throw fail("name", nameNode, "must be a string") }
        let name = nameScalar.string
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw fail("name", nameNode, "'\(name)' is not safe for file names (letters, digits, '.', '_', '-'; at most 64; no leading dot or dash)")
        }
        var spec = SweepSpec(name: name, auxWeights: [0, 0.2, 0.4, 0.6, 0.8, 1], seeds: [0, 1, 2])
        if let node = f["aux_weights"] { spec.auxWeights = try auxWeights(node) }
        if let node = f["seeds"] {
            if case .mapping(let mapping) = node {
                let plan = try adaptiveSeeds(mapping, node)
                spec.adaptive = plan
                spec.seeds = (0..<UInt64(plan.max)).map { $0 }
            } else {
                spec.seeds = try seeds(node)
            }
        }
        if let node = f["until"] {
            guard spec.adaptive != nil else {
                throw fail("until", node, "needs an adaptive sweep (seeds: {initial, step, max}); with a fixed set of seeds every job runs")
            }
            let u = try section(node, "until", allowed: ["weights"])
            guard let k = u["weights"] else { throw fail("until.weights", node, "is required") }
            let count = try integer(k, "until.weights", in: 1...1000)
            guard count < spec.auxWeights.count else {
                throw fail("until.weights", k, "must be below the number of weights (\(spec.auxWeights.count)), got \(count)")
            }
            spec.adaptive?.untilWeights = count
        }
        if spec.adaptive != nil, spec.auxWeights.count < 2, let node = f["seeds"] {
            throw fail("seeds", node, "an adaptive sweep compares weights: it needs at least two aux weights")
        }
        if let node = f["jobs"] { spec.jobs = try integer(node, "jobs", in: 1...256) }
        if let node = f["data"] { try data(node, into: &spec.config) }
        if let node = f["model"] { try model(node, into: &spec.config.model) }
        if let node = f["train"] { try train(node, into: &spec) }
        let t = spec.config.train, d = spec.config.data
        if let node = f["train"], t.batch * d.size * d.size > SpecParser.maxBatchPixels {
            throw fail("train.batch", node, "batch \(t.batch) of \(d.size)x\(d.size) images would need more memory than a worker has "
                       + "(batch x size^2 at most \(SpecParser.maxBatchPixels))")
        }
        return spec
    }

    func auxWeights(_ node: Node) throws -> [Double] {
        let field = "aux_weights"
        let weights: [ExactDecimal]
        switch node {
        case .sequence(let list):
            guard !list.isEmpty else { throw fail(field, node, "must list at least one weight") }
            weights = try list.map { item in
                guard case .scalar(let s) = item, s.style == .plain, let d = ExactDecimal(s.string) else {
                    throw fail(field, item, "each weight must be a plain decimal like 0.4, got \(describe(item))")
                }
                return d
            }
        case .mapping(let mapping):
            let r = try fields(mapping, path: field, allowed: ["from", "to", "step"])
            func value(_ key: String) throws -> ExactDecimal {
                guard let n = r[key] else { throw fail("\(field).\(key)", node, "is required") }
                guard case .scalar(let s) = n, s.style == .plain, let d = ExactDecimal(s.string) else {
                    throw fail("\(field).\(key)", n, "must be a plain decimal like 0.1, got \(describe(n))")
                }
                return d
            }
            let from = try value("from"), to = try value("to"), step = try value("step")
            let scale = max(from.scale, to.scale, step.scale)
            let (a, b, s) = (from.rescaled(to: scale).units, to.rescaled(to: scale).units, step.rescaled(to: scale).units)
            guard s > 0 else { throw fail("\(field).step", r["step"], "must be positive") }
            guard a <= b else { throw fail("\(field).to", r["to"], "must not be below from (\(from.text))") }
            guard (b - a) % s == 0 else {
                throw fail("\(field).step", r["step"], "\(step.text) does not divide \(to.text) - \(from.text) exactly")
            }
            guard (b - a) / s < 1000 else { throw fail("\(field).step", r["step"], "gives more than 1000 weights") }
            weights = stride(from: a, through: b, by: s).map { ExactDecimal(units: $0, scale: scale) }
        default:
            throw fail(field, node, "must be a list of weights or {from, to, step}, got \(describe(node))")
        }
        let zero = ExactDecimal(units: 0, scale: 0), one = ExactDecimal(units: 1, scale: 0)
        if let bad = weights.first(where: { $0 < zero || one < $0 }) {
            throw fail(field, node, "weight \(bad.text) is outside [0, 1]")
        }
        // Every output names a weight with at most 4 decimals: two finer weights would share a name.
        if let fine = weights.first(where: { ($0.text.split(separator: ".").last?.count ?? 0) > 4 }) {
            throw fail(field, node, "weight \(fine.text) has more than 4 decimals (reports name weights to 4 decimals)")
        }
        let values = weights.map(\.double)
        if let duplicate = values.enumerated().first(where: { values[..<$0.offset].contains($0.element) }) {
            throw fail(field, node, "weight \(weights[duplicate.offset].text) appears twice")
        }
        return values
    }

    /// `seeds: {initial, step, max}`: an adaptive sweep's plan.
    func adaptiveSeeds(_ mapping: Node.Mapping, _ node: Node) throws -> AdaptiveSeeds {
        let r = try fields(mapping, path: "seeds", allowed: ["initial", "step", "max"])
        func value(_ key: String, in range: ClosedRange<Int>) throws -> Int {
            guard let n = r[key] else { throw fail("seeds.\(key)", node, "is required in an adaptive sweep (seeds: {initial, step, max})") }
            return try integer(n, "seeds.\(key)", in: range)
        }
        let initial = try value("initial", in: 2...1000), step = try value("step", in: 1...1000), max = try value("max", in: 2...1000)
        guard max >= initial else { throw fail("seeds.max", r["max"], "must not be below seeds.initial (\(initial)), got \(max)") }
        return AdaptiveSeeds(initial: initial, step: step, max: max)
    }

    func seeds(_ node: Node) throws -> [UInt64] {
        switch node {
        case .scalar:
            return (0..<UInt64(try integer(node, "seeds", in: 1...1000))).map { $0 }
        case .sequence(let list):
            guard !list.isEmpty else { throw fail("seeds", node, "must list at least one seed") }
            let values = try list.map { UInt64(try integer($0, "seeds", in: 0...Int(Int32.max))) }
            if let duplicate = values.enumerated().first(where: { values[..<$0.offset].contains($0.element) }) {
                throw fail("seeds", list[duplicate.offset], "seed \(duplicate.element) appears twice")
            }
            return values
        default:
            throw fail("seeds", node, "must be a count or a list of seeds, got \(describe(node))")
        }
    }

    func section(_ node: Node, _ name: String, allowed: [String]) throws -> [String: Node] {
        guard let mapping = node.mapping else { throw fail(name, node, "must be a mapping, got \(describe(node))") }
        return try fields(mapping, path: name, allowed: allowed)
    }

    static let syntheticDataKeys = ["train_images", "val_images", "seed", "quantized"]
    static let folderDataKeys = ["root", "layout", "classes", "ignore_index", "reduce_zero_label", "train_split", "val_split",
                                 "mean", "std", "augment"]

    func data(_ node: Node, into config: inout TrainConfig) throws {
        let f = try section(node, "data", allowed: ["kind", "size"] + Self.syntheticDataKeys + Self.folderDataKeys)
        var folder = false
        if let n = f["kind"] {
            if n.string == "folder" {
                folder = true
            } else {
                guard let kind = n.string, let variant = ShapesDataset.Variant(rawValue: kind) else {
                    throw fail("data.kind", n, "must be 'shapes', 'simple-shapes' or 'folder', got \(describe(n))")
                }
                config.data.kind = variant
                config.model.classes = variant.classCount
            }
        }
        for key in folder ? Self.syntheticDataKeys : Self.folderDataKeys {
            if let n = f[key] { throw fail("data.\(key)", n, folder ? "is for the synthetic task, not 'kind: folder'" : "needs 'kind: folder'") }
        }
        if let n = f["size"] {
            let size = try integer(n, "data.size", in: 16...SpecParser.maxImageSize)
            guard size % 8 == 0 else { throw fail("data.size", n, "must be a multiple of 8, got \(size)") }
            config.data.size = size
        }
        if folder {
            config.data.folder = try folderSource(f, node: node)
            config.model.classes = config.data.folder?.classes ?? config.model.classes
            return
        }
        if let n = f["train_images"] { config.data.trainImages = try integer(n, "data.train_images", in: 1...10_000_000) }
        if let n = f["val_images"] { config.data.valImages = try integer(n, "data.val_images", in: 1...1_000_000) }
        if let n = f["seed"] { config.data.seed = UInt64(try integer(n, "data.seed", in: 0...Int(Int32.max))) }
        if let n = f["quantized"] { config.data.quantized = try boolean(n, "data.quantized") }
    }

    /// The `kind: folder` fields, the root resolved and the folder fingerprinted.
    func folderSource(_ f: [String: Node], node: Node) throws -> FolderSource {
        func required(_ key: String) throws -> Node {
            guard let n = f[key] else { throw fail("data.\(key)", node, "is required with 'kind: folder'") }
            return n
        }
        let rootNode = try required("root"), layoutNode = try required("layout")
        guard let rootText = rootNode.string, !rootText.isEmpty else { throw fail("data.root", rootNode, "must be a folder path") }
        let root: URL
        if rootText.hasPrefix("/") {
            root = URL(fileURLWithPath: rootText)
        } else {
            guard let baseDirectory else { throw fail("data.root", rootNode, "is relative, but this text has no base_dir") }
            root = baseDirectory.appendingPathComponent(rootText)
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw fail("data.root", rootNode, "\(root.standardizedFileURL.path) is not a folder")
        }
        guard let layoutText = layoutNode.string, let layout = FolderSource.Layout(rawValue: layoutText) else {
            throw fail("data.layout", layoutNode, "must be voc, ade20k or pairs, got \(describe(layoutNode))")
        }
        var source = FolderSource(root: root.standardizedFileURL.path, layout: layout,
                                  classes: try integer(try required("classes"), "data.classes", in: 2...254))
        if let n = f["ignore_index"] { source.ignoreIndex = UInt8(try integer(n, "data.ignore_index", in: source.classes...255)) }
        if let n = f["reduce_zero_label"] { source.reduceZeroLabel = try boolean(n, "data.reduce_zero_label") }
        for (key, keyPath) in [("train_split", \FolderSource.trainSplit), ("val_split", \FolderSource.validationSplit)] {
            guard let n = f[key] else { continue }
            guard let name = n.string, name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
                throw fail("data.\(key)", n, "must be a split name (letters, digits, '.', '_', '-'), got \(describe(n))")
            }
            source[keyPath: keyPath] = name
        }
        if source.trainSplit == source.validationSplit {
            throw fail("data.val_split", f["val_split"] ?? node, "must differ from train_split ('\(source.trainSplit)')")
        }
        if let n = f["mean"] { source.mean = try triple(n, "data.mean", in: 0...1) }
        if let n = f["std"] { source.std = try triple(n, "data.std", in: 0.001...10) }
        if let n = f["augment"] { source.augmentation = try augmentation(n) }
        guard fingerprintsData else { return source }
        do {
            source.fingerprint = try FolderFingerprint.compute(source)
        } catch let error as DatasetError {
            throw fail("data.root", rootNode, "\(error) (auxsweep data check lists every problem)")
        }
        return source
    }

    func triple(_ node: Node, _ field: String, in range: ClosedRange<Double>) throws -> [Float] {
        guard let list = node.sequence, list.count == 3 else { throw fail(field, node, "must list 3 numbers (R, G, B)") }
        return try list.map { Float(try number($0, field, in: range)) }
    }

    /// `augment: false` (none), `true` (PSPNet's), or a mapping overriding PSPNet's steps.
    func augmentation(_ node: Node) throws -> Augmentation {
        if case .scalar = node { return try boolean(node, "data.augment") ? Augmentation() : .none }
        let f = try section(node, "data.augment", allowed: ["scale", "rotate", "rotate_probability", "flip", "random_crop"])
        var a = Augmentation()
        func range(_ key: String, in limits: ClosedRange<Double>) throws -> ClosedRange<Float>?? {
            guard let n = f[key] else { return .none }
            if case .scalar = n, try !boolean(n, "data.augment.\(key)") { return .some(nil) }
            guard let list = n.sequence, list.count == 2 else {
                throw fail("data.augment.\(key)", n, "must be [low, high] or false")
            }
            let low = try number(list[0], "data.augment.\(key)", in: limits), high = try number(list[1], "data.augment.\(key)", in: limits)
            guard low <= high else { throw fail("data.augment.\(key)", n, "low must not exceed high") }
            return .some(Float(low)...Float(high))
        }
        if let scale = try range("scale", in: 0.1...4) { a.scale = scale }
        if let rotate = try range("rotate", in: -180...180) { a.rotate = rotate }
        if let n = f["rotate_probability"] { a.rotateProbability = Float(try number(n, "data.augment.rotate_probability", in: 0...1)) }
        if let n = f["flip"] { a.flip = try boolean(n, "data.augment.flip") }
        if let n = f["random_crop"] { a.randomCrop = try boolean(n, "data.augment.random_crop") }
        return a
    }

    func model(_ node: Node, into model: inout ModelConfig) throws {
        let f = try section(node, "model", allowed: ["blocks", "residual", "dropout"])
        if let n = f["blocks"] {
            guard let list = n.sequence, list.count == 4 else { throw fail("model.blocks", n, "must list 4 block counts, one per stage") }
            model.blocks = try list.map { try integer($0, "model.blocks", in: 1...16) }
        }
        if let n = f["residual"] {
            guard let list = n.sequence, list.count == 4 else { throw fail("model.residual", n, "must list 4 true/false values, one per stage") }
            model.residual = try list.map { try boolean($0, "model.residual") }
        }
        if let n = f["dropout"] { model.dropout = Float(try number(n, "model.dropout", in: 0...0.9)) }
    }

    func train(_ node: Node, into spec: inout SweepSpec) throws {
        let f = try section(node, "train", allowed: ["iterations", "batch", "base_lr", "momentum", "weight_decay",
                                                     "poly_power", "eval_every", "checkpoint_every"])
        var t = spec.config.train
        if let n = f["iterations"] { t.iterations = try integer(n, "train.iterations", in: 1...10_000_000) }
        if let n = f["batch"] { t.batch = try integer(n, "train.batch", in: 2...SpecParser.maxBatch) }
        if let n = f["base_lr"] { t.baseLR = Float(try number(n, "train.base_lr", in: 0...1000, open: true)) }
        if let n = f["momentum"] { t.momentum = Float(try number(n, "train.momentum", in: 0...0.999)) }
        if let n = f["weight_decay"] { t.weightDecay = Float(try number(n, "train.weight_decay", in: 0...1)) }
        if let n = f["poly_power"] { t.polyPower = Float(try number(n, "train.poly_power", in: 0...10)) }
        if let n = f["eval_every"] { t.evalEvery = try integer(n, "train.eval_every", in: 1...10_000_000) }
        if let n = f["checkpoint_every"] { spec.checkpointEvery = try integer(n, "train.checkpoint_every", in: 0...10_000_000) }
        spec.config.train = t
    }
}
