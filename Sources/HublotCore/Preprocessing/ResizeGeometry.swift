/// Where `tf.image.resize_with_pad` puts an image inside the model input: the resized size and the
/// zero padding before it, computed in float32 exactly as TensorFlow's `_resize_image_with_pad_common`.
public struct ResizeGeometry: Sendable, Equatable {
    /// Model input height.
    public let targetHeight: Int
    /// Model input width.
    public let targetWidth: Int
    /// Height of the resized image (`floor(height / ratio)`).
    public let resizedHeight: Int
    /// Width of the resized image (`floor(width / ratio)`).
    public let resizedWidth: Int
    /// Rows of zeros above the image (`max(0, floor((targetHeight - height / ratio) / 2))`).
    public let padTop: Int
    /// Columns of zeros left of the image.
    public let padLeft: Int

    /// The geometry for an image of `width × height` fitted into `targetWidth × targetHeight`.
    ///
    /// Throws ``HublotError/Kind/imageTooSmall`` when a side would shrink to zero pixels
    /// (TensorFlow fails there too), e.g. a 1×1000 image for a 224×224 model.
    public init(width: Int, height: Int, targetWidth: Int, targetHeight: Int) throws(HublotError) {
        let fHeight = Float(height), fWidth = Float(width)
        let fTargetHeight = Float(targetHeight), fTargetWidth = Float(targetWidth)
        let ratio = max(fWidth / fTargetWidth, fHeight / fTargetHeight)
        let resizedHeightFloat = fHeight / ratio
        let resizedWidthFloat = fWidth / ratio
        let resizedHeight = Int(resizedHeightFloat.rounded(.down))
        let resizedWidth = Int(resizedWidthFloat.rounded(.down))
        guard resizedHeight > 0, resizedWidth > 0 else {
            throw HublotError(
                .imageTooSmall,
                "the image is \(width)×\(height) pixels: fitted into \(targetWidth)×\(targetHeight) one side would be 0 pixels")
        }
        let padHeight = ((fTargetHeight - resizedHeightFloat) / 2).rounded(.down)
        let padWidth = ((fTargetWidth - resizedWidthFloat) / 2).rounded(.down)
        self.targetHeight = targetHeight
        self.targetWidth = targetWidth
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
        self.padTop = max(0, Int(padHeight))
        self.padLeft = max(0, Int(padWidth))
    }
}
