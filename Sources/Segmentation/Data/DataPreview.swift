import NN

/// A grid of images beside their label maps, for a person to see a data set (and its augmentation).
public enum DataPreview {
    /// One colour per class: background dark grey; shapes outside a zone in saturated colours, the
    /// same shapes inside a zone in lighter tints of them; ignored pixels white.
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (40, 40, 40),
        (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (250, 190, 212), (170, 255, 195), (140, 200, 255), (255, 215, 180), (220, 190, 255),
    ]

    /// The palette as PNG palette bytes, 256 entries: the classes' colours repeated, 255 white.
    public static let paletteBytes: [UInt8] = (0..<256).flatMap { k -> [UInt8] in
        let c = k == 255 ? (255, 255, 255) : palette[k % palette.count]
        return [c.0, c.1, c.2]
    }

    /// RGB bytes and size of a grid of `columns` x `rows` pairs (image | labels), 2-pixel gaps.
    public static func render(_ dataset: ShapesDataset, first: Int = 0, columns: Int = 4, rows: Int = 4)
        -> (width: Int, height: Int, rgb: [UInt8]) {
        let (images, labels) = dataset.batch(Array(first..<min(first + columns * rows, dataset.count)))
        let n = images.shape[0]
        return render(images: images, labels: labels, mean: [Float](repeating: ShapesDataset.mean, count: 3),
                      std: [Float](repeating: ShapesDataset.std, count: 3), columns: columns, rows: (n + columns - 1) / columns)
    }

    /// RGB bytes and size of a grid whose row k shows training image k's centre crop and `crops`
    /// augmented crops (drawn as the trainer draws them for seed 0 at steps 0, 1, ...), with labels.
    public static func render(augmentationsOf dataset: FolderDataset, rows: Int, crops: Int) -> (width: Int, height: Int, rgb: [UInt8]) {
        var images: [Float] = [], labels: [UInt8] = []
        for row in 0..<rows {
            let (centre, centreLabels) = dataset.batch([row])
            images += centre.data
            labels += centreLabels
            for step in 0..<crops {
                var generator = SeededGenerator(seed: 0, stream: 4 << 40 | UInt64(step))
                let (crop, cropLabels) = dataset.trainingBatch([row], generator: &generator)
                images += crop.data
                labels += cropLabels
            }
        }
        let s = dataset.size
        return render(images: Tensor(shape: [rows * (crops + 1), 3, s, s], data: images), labels: labels,
                      mean: dataset.source.mean, std: dataset.source.std, columns: crops + 1, rows: rows,
                      ignoreIndex: dataset.ignoreIndex)
    }

    /// RGB bytes and size of a grid of a batch's images ([n, 3, s, s], normalised with `mean` and
    /// `std`) beside their labels, `columns` pairs a row, 2-pixel gaps; pixels labelled `ignoreIndex` white.
    public static func render(images: Tensor, labels: [UInt8], mean: [Float], std: [Float], columns: Int, rows: Int,
                              ignoreIndex: UInt8 = 255) -> (width: Int, height: Int, rgb: [UInt8]) {
        let (n, _, s, _) = images.nchw
        let gap = 2
        let width = columns * (2 * s + 3 * gap), height = rows * (s + gap) + gap
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        for k in 0..<min(columns * rows, n) {
            let image = images.data[(k * 3 * s * s)..<((k + 1) * 3 * s * s)].map { $0 }
            let labels = Array(labels[(k * s * s)..<((k + 1) * s * s)])
            let x0 = (k % columns) * (2 * s + 3 * gap) + gap, y0 = (k / columns) * (s + gap) + gap
            for y in 0..<s {
                for x in 0..<s {
                    let p = y * s + x
                    let left = ((y0 + y) * width + x0 + x) * 3, right = left + (s + gap) * 3
                    for ch in 0..<3 {
                        let v = image[ch * s * s + p] * std[ch] + mean[ch]
                        rgb[left + ch] = UInt8(max(0, min(255, (v * 255).rounded())))
                    }
                    let c = labels[p] == ignoreIndex ? (255, 255, 255) : palette[Int(labels[p]) % palette.count]
                    (rgb[right], rgb[right + 1], rgb[right + 2]) = c
                }
            }
        }
        return (width, height, rgb)
    }
}
