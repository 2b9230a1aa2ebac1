/// Concatenation of NCHW tensors along the channel axis, and the split of its gradient.
public enum ChannelConcat {
    /// [N, C_i, H, W] for each i -> [N, sum C_i, H, W]
    public static func forward(_ parts: [Tensor]) -> Tensor {
        let span = KernelProfiler.begin(.concatForward); defer { span.end() }
        precondition(!parts.isEmpty, "ChannelConcat needs at least one tensor")
        let (n, _, h, w) = parts[0].nchw
        for p in parts {
            precondition(p.layout == .nchw, "ChannelConcat takes NCHW tensors")
            precondition(p.rank == 4 && p.shape[0] == n && p.shape[2] == h && p.shape[3] == w,
                         "ChannelConcat: shape \(p.shape) does not match [\(n), _, \(h), \(w)]")
        }
        let total = parts.reduce(0) { $0 + $1.shape[1] }
        let plane = h * w
        var y = Tensor(uninitializedShape: [n, total, h, w])
        y.data.withUnsafeMutableBufferPointer { yp in
            var offset = 0
            for p in parts {
                let c = p.shape[1]
                p.data.withUnsafeBufferPointer { pp in
                    for i in 0..<n {
                        (yp.start + (i * total + offset) * plane)
                            .update(from: pp.start + i * c * plane, count: c * plane)
                    }
                }
                offset += c
            }
        }
        return y
    }

    /// dy: [N, sum C_i, H, W] -> one gradient [N, C_i, H, W] per part.
    public static func backward(_ dy: Tensor, channels: [Int]) -> [Tensor] {
        let span = KernelProfiler.begin(.concatBackward); defer { span.end() }
        let (n, total, h, w) = dy.nchw
        precondition(channels.reduce(0, +) == total, "ChannelConcat.backward: channels \(channels) do not sum to \(total)")
        let plane = h * w
        var offset = 0
        return dy.data.withUnsafeBufferPointer { dyp in
            channels.map { c in
                var part = Tensor(uninitializedShape: [n, c, h, w])
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
}
