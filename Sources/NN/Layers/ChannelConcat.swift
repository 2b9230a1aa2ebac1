/// Concatenation of image tensors along the channel axis, and the split of its gradient.
///
/// The parts share one layout, NCHW or blocked; in a blocked layout every part's channels are a
/// multiple of the block width, so each image's part is one contiguous run in either order.
public enum ChannelConcat {
    /// [N, C_i, H, W] for each i -> [N, sum C_i, H, W], in the parts' layout.
    public static func forward(_ parts: [Tensor]) -> Tensor {
        let span = KernelProfiler.begin(.concatForward); defer { span.end() }
        precondition(!parts.isEmpty, "ChannelConcat needs at least one tensor")
        let (n, _, h, w) = parts[0].nchw
        let layout = parts[0].layout
        for p in parts {
            precondition(p.layout == layout, "ChannelConcat: a \(p.layout) part among \(layout) parts")
            precondition(p.rank == 4 && p.shape[0] == n && p.shape[2] == h && p.shape[3] == w,
                         "ChannelConcat: shape \(p.shape) does not match [\(n), _, \(h), \(w)]")
        }
        let total = parts.reduce(0) { $0 + $1.shape[1] }
        var y = Tensor(uninitializedShape: [n, total, h, w], layout: layout)
        y.data.withUnsafeMutableBufferPointer { yp in
            var offset = 0
            for p in parts {
                p.data.withUnsafeBufferPointer { pp in
                    copyChannels(pp.start, into: yp.start, n: n, c: p.shape[1], plane: h * w, offset: offset, total: total)
                }
                offset += p.shape[1]
            }
        }
        return y
    }

    /// dy: [N, sum C_i, H, W] -> one gradient [N, C_i, H, W] per part, in dy's layout.
    public static func backward(_ dy: Tensor, channels: [Int]) -> [Tensor] {
        let span = KernelProfiler.begin(.concatBackward); defer { span.end() }
        let (n, total, h, w) = dy.nchw
        precondition(channels.reduce(0, +) == total, "ChannelConcat.backward: channels \(channels) do not sum to \(total)")
        let plane = h * w
        var offset = 0
        return dy.data.withUnsafeBufferPointer { dyp in
            channels.map { c in
                var part = Tensor(uninitializedShape: [n, c, h, w], layout: dy.layout)
                part.data.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<n {
                        (pp.start + i * c * plane).update(from: dyp.start + (i * total + offset) * plane, count: c * plane)
                    }
                }
                offset += c
                return part
            }
        }
    }

    /// Copies x [N, C, H, W] into channels [offset, offset + C) of y [N, total, H, W], both in one
    /// layout (in a blocked one, C, offset and total multiples of its width).
    static func copyChannels(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                             n: Int, c: Int, plane: Int, offset: Int, total: Int) {
        for i in 0..<n {
            (y + (i * total + offset) * plane).update(from: x + i * c * plane, count: c * plane)
        }
    }
}
