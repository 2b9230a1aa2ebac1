extension UnsafeBufferPointer {
    /// The first element's address; a precondition failure for an empty buffer.
    @inline(__always)
    var start: UnsafePointer<Element> {
        guard let base = baseAddress else { preconditionFailure("pointer to an empty tensor buffer") }
        return base
    }
}

extension UnsafeMutableBufferPointer {
    /// The first element's address; a precondition failure for an empty buffer.
    @inline(__always)
    var start: UnsafeMutablePointer<Element> {
        guard let base = baseAddress else { preconditionFailure("pointer to an empty tensor buffer") }
        return base
    }
}
