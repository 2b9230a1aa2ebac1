/// Resizing 8-bit images: area averaging when shrinking and bilinear interpolation when enlarging
/// (half-pixel centres, edges clamped) for photographs, nearest neighbour for label maps.
public enum ImageResize {
    /// The size with the shorter side `side` and the aspect ratio kept (the longer side rounded).
    public static func shorterSide(_ side: Int, width: Int, height: Int) -> (width: Int, height: Int) {
        if width <= height { return (side, max(side, Int((Double(height) * Double(side) / Double(width)).rounded()))) }
        return (max(side, Int((Double(width) * Double(side) / Double(height)).rounded())), side)
    }

    /// `image` resized to width x height (the same image when the size is already that).
    public static func photo(_ image: PixelImage, width: Int, height: Int) -> PixelImage {
        if image.width == width && image.height == height { return image }
        if width <= image.width && height <= image.height { return area(image, width: width, height: height) }
        return bilinear(image, width: width, height: height)
    }

    /// `labels` resized to width x height by nearest neighbour (pixel centres).
    public static func labels(_ labels: PixelImage, width: Int, height: Int) -> PixelImage {
        if labels.width == width && labels.height == height { return labels }
        let c = labels.channels
        var out = [UInt8](repeating: 0, count: width * height * c)
        let xs = (0..<width).map { min(labels.width - 1, Int((Double($0) + 0.5) * Double(labels.width) / Double(width))) }
        for y in 0..<height {
            let sy = min(labels.height - 1, Int((Double(y) + 0.5) * Double(labels.height) / Double(height)))
            for x in 0..<width {
                for k in 0..<c { out[(y * width + x) * c + k] = labels.pixels[(sy * labels.width + xs[x]) * c + k] }
            }
        }
        return PixelImage(width: width, height: height, channels: c, pixels: out)
    }

    /// Each output pixel the mean of the source pixels its footprint covers (whole pixels).
    static func area(_ image: PixelImage, width: Int, height: Int) -> PixelImage {
        let c = image.channels
        func spans(_ count: Int, _ source: Int) -> [Range<Int>] {
            (0..<count).map { i in
                let start = i * source / count, end = max(start + 1, ((i + 1) * source + count - 1) / count)
                return start..<min(end, source)
            }
        }
        let columns = spans(width, image.width), rows = spans(height, image.height)
        var out = [UInt8](repeating: 0, count: width * height * c)
        var sums = [Int](repeating: 0, count: c)
        for y in 0..<height {
            for x in 0..<width {
                for k in 0..<c { sums[k] = 0 }
                for sy in rows[y] {
                    for sx in columns[x] {
                        for k in 0..<c { sums[k] += Int(image.pixels[(sy * image.width + sx) * c + k]) }
                    }
                }
                let n = rows[y].count * columns[x].count
                for k in 0..<c { out[(y * width + x) * c + k] = UInt8((sums[k] + n / 2) / n) }
            }
        }
        return PixelImage(width: width, height: height, channels: c, pixels: out)
    }

    static func bilinear(_ image: PixelImage, width: Int, height: Int) -> PixelImage {
        let c = image.channels
        var out = [UInt8](repeating: 0, count: width * height * c)
        let sx = Float(image.width) / Float(width), sy = Float(image.height) / Float(height)
        for y in 0..<height {
            for x in 0..<width {
                for k in 0..<c {
                    let v = sample(image, channel: k, x: (Float(x) + 0.5) * sx - 0.5, y: (Float(y) + 0.5) * sy - 0.5)
                    out[(y * width + x) * c + k] = UInt8(min(255, max(0, v.rounded())))
                }
            }
        }
        return PixelImage(width: width, height: height, channels: c, pixels: out)
    }

    /// Bilinear sample of one channel at (x, y) in pixel coordinates (centres at integers), edges
    /// clamped. At integer coordinates it is exactly the pixel's value.
    @inline(__always)
    static func sample(_ image: PixelImage, channel k: Int, x: Float, y: Float) -> Float {
        let cx = min(max(x, 0), Float(image.width - 1)), cy = min(max(y, 0), Float(image.height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, image.width - 1), y1 = min(y0 + 1, image.height - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let c = image.channels, w = image.width
        let p00 = Float(image.pixels[(y0 * w + x0) * c + k]), p01 = Float(image.pixels[(y0 * w + x1) * c + k])
        let p10 = Float(image.pixels[(y1 * w + x0) * c + k]), p11 = Float(image.pixels[(y1 * w + x1) * c + k])
        let top = p00 + fx * (p01 - p00), bottom = p10 + fx * (p11 - p10)
        return top + fy * (bottom - top)
    }
}
