/// A grid of synthetic images beside their label maps, for a person to see the task.
public enum DataPreview {
    /// One colour per class: background dark grey; shapes outside a zone in saturated colours, the
    /// same shapes inside a zone in lighter tints of them; ignored pixels white.
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (40, 40, 40),
        (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (250, 190, 212), (170, 255, 195), (140, 200, 255), (255, 215, 180), (220, 190, 255),
    ]

    /// RGB bytes and size of a grid of `columns` x `rows` pairs (image | labels), 2-pixel gaps.
    public static func render(_ dataset: ShapesDataset, first: Int = 0, columns: Int = 4, rows: Int = 4)
        -> (width: Int, height: Int, rgb: [UInt8]) {
        let s = dataset.size, gap = 2
        let width = columns * (2 * s + 3 * gap), height = rows * (s + gap) + gap
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        var image = [Float](repeating: 0, count: 3 * s * s)
        var labels = [UInt8](repeating: 0, count: s * s)
        for k in 0..<min(columns * rows, dataset.count - first) {
            image.withUnsafeMutableBufferPointer { ip in
                labels.withUnsafeMutableBufferPointer { lp in
                    guard let i = ip.baseAddress, let l = lp.baseAddress else { return }
                    dataset.render(first + k, image: i, labels: l)
                }
            }
            let x0 = (k % columns) * (2 * s + 3 * gap) + gap, y0 = (k / columns) * (s + gap) + gap
            for y in 0..<s {
                for x in 0..<s {
                    let p = y * s + x
                    let left = ((y0 + y) * width + x0 + x) * 3, right = left + (s + gap) * 3
                    for ch in 0..<3 {
                        let v = image[ch * s * s + p] * ShapesDataset.std + ShapesDataset.mean
                        rgb[left + ch] = UInt8(max(0, min(255, (v * 255).rounded())))
                    }
                    let c = labels[p] == 255 ? (255, 255, 255) : palette[Int(labels[p]) % palette.count]
                    (rgb[right], rgb[right + 1], rgb[right + 2]) = c
                }
            }
        }
        return (width, height, rgb)
    }
}
