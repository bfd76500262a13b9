"""Hourglass blocks of the photo2cartoon generator.

Reference: Newell et al., "Stacked Hourglass Networks for Human Pose Estimation",
arXiv:1603.06937; photo2cartoon (minivision-ai) generator.
"""

import keras
from keras import layers, ops

from tf_p2c.layers.instance_norm import InstanceNormalization
from tf_p2c.layers.reflection_padding import ReflectionPadding2D
from tf_p2c.layers.resampling import avg_pool_2x, upsample_nearest_2x


def _channels_shape(input_shape, channels):
    return (*input_shape[:-1], channels)


@keras.saving.register_keras_serializable(package="tf_p2c")
class NormReLUConv(keras.layers.Layer):
    """Pre-activation stage: instance norm, ReLU, reflection pad, bias-free convolution.

    Args:
        filters: output channels.
        kernel_size: square kernel side (the padding is `kernel_size // 2`).
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, filters, kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.norm = InstanceNormalization(name="norm")
        self.pad = ReflectionPadding2D(kernel_size // 2, name="pad")
        self.conv = layers.Conv2D(filters, kernel_size, use_bias=False, name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, x):
        return self.conv(self.pad(ops.relu(self.norm(x))))

    def compute_output_shape(self, input_shape):
        return _channels_shape(input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="tf_p2c")
class ConvBlock(keras.layers.Layer):
    """Three chained pre-activation 3x3 stages (out/2, out/4, out/4 channels), concatenated,
    plus a residual; the residual gets a 1x1 stage only when the channel count changes.

    Args:
        dim_in: input channels.
        dim_out: output channels, a multiple of 4.
        **kwargs: base layer keyword arguments.

    Reference: Bulat & Tzimiropoulos, "Binarized Convolutional Landmark Localizers",
    arXiv:1703.00862 (the multi-scale residual block); photo2cartoon `ConvBlock`.
    """

    def __init__(self, dim_in, dim_out, **kwargs):
        super().__init__(**kwargs)
        if dim_out % 4:
            raise ValueError(f"dim_out must be a multiple of 4. Received: dim_out={dim_out}")
        self.dim_in = dim_in
        self.dim_out = dim_out
        self.conv_block1 = NormReLUConv(dim_out // 2, name="conv_block1")
        self.conv_block2 = NormReLUConv(dim_out // 4, name="conv_block2")
        self.conv_block3 = NormReLUConv(dim_out // 4, name="conv_block3")
        self.conv_skip = NormReLUConv(dim_out, 1, name="conv_skip") if dim_in != dim_out else None

    def build(self, input_shape):
        self.conv_block1.build(_channels_shape(input_shape, self.dim_in))
        self.conv_block2.build(_channels_shape(input_shape, self.dim_out // 2))
        self.conv_block3.build(_channels_shape(input_shape, self.dim_out // 4))
        if self.conv_skip is not None:
            self.conv_skip.build(_channels_shape(input_shape, self.dim_in))

    def call(self, x):
        x1 = self.conv_block1(x)
        x2 = self.conv_block2(x1)
        x3 = self.conv_block3(x2)
        residual = x if self.conv_skip is None else self.conv_skip(x)
        return residual + ops.concatenate([x1, x2, x3], axis=-1)

    def compute_output_shape(self, input_shape):
        return _channels_shape(input_shape, self.dim_out)

    def get_config(self):
        return {**super().get_config(), "dim_in": self.dim_in, "dim_out": self.dim_out}


@keras.saving.register_keras_serializable(package="tf_p2c")
class HourGlassBlock(keras.layers.Layer):
    """Four-level hourglass: at each level a skip ConvBlock and a 2x2-pooled ConvBlock going down,
    a centre ConvBlock, then ConvBlock + nearest x2 up-sampling added to each skip going up.
    Input sides must be multiples of 16.

    Args:
        dim_in: input channels.
        dim_out: output channels.
        **kwargs: base layer keyword arguments.
    """

    LEVELS = 4

    def __init__(self, dim_in, dim_out, **kwargs):
        super().__init__(**kwargs)
        self.dim_in = dim_in
        self.dim_out = dim_out
        # Sub-layers are attributes named as the original's (ConvBlock1_1 ... ConvBlock9): layers
        # kept in Python lists are invisible to tf.train.Checkpoint.
        for level in range(1, self.LEVELS + 1):
            first = dim_in if level == 1 else dim_out
            setattr(self, f"ConvBlock{level}_1", ConvBlock(first, dim_out, name=f"ConvBlock{level}_1"))
            setattr(self, f"ConvBlock{level}_2", ConvBlock(first, dim_out, name=f"ConvBlock{level}_2"))
        self.ConvBlock5 = ConvBlock(dim_out, dim_out, name="ConvBlock5")
        for n in range(6, 10):
            setattr(self, f"ConvBlock{n}", ConvBlock(dim_out, dim_out, name=f"ConvBlock{n}"))

    @property
    def skip_blocks(self):
        return [getattr(self, f"ConvBlock{level}_1") for level in range(1, self.LEVELS + 1)]

    @property
    def down_blocks(self):
        return [getattr(self, f"ConvBlock{level}_2") for level in range(1, self.LEVELS + 1)]

    @property
    def center_block(self):
        return self.ConvBlock5

    @property
    def up_blocks(self):
        # up_blocks[0] is ConvBlock6 (deepest level) ... up_blocks[3] is ConvBlock9.
        return [getattr(self, f"ConvBlock{n}") for n in range(6, 10)]

    def build(self, input_shape):
        inner = _channels_shape(input_shape, self.dim_out)
        for level, (skip, down) in enumerate(zip(self.skip_blocks, self.down_blocks)):
            shape = _channels_shape(input_shape, self.dim_in) if level == 0 else inner
            skip.build(shape)
            down.build(shape)
        self.center_block.build(inner)
        for block in self.up_blocks:
            block.build(inner)

    def call(self, x):
        skips = []
        for skip_block, down_block in zip(self.skip_blocks, self.down_blocks):
            skips.append(skip_block(x))
            x = down_block(avg_pool_2x(x))
        x = self.center_block(x)
        for up_block, skip in zip(self.up_blocks, reversed(skips)):
            x = skip + upsample_nearest_2x(up_block(x))
        return x

    def compute_output_shape(self, input_shape):
        return _channels_shape(input_shape, self.dim_out)

    def get_config(self):
        return {**super().get_config(), "dim_in": self.dim_in, "dim_out": self.dim_out}


@keras.saving.register_keras_serializable(package="tf_p2c")
class HourGlass(keras.layers.Layer):
    """Hourglass module: HourGlassBlock, ConvBlock, 1x1 conv, instance norm and ReLU give `ll`;
    a 1x1 conv maps `ll` to a 3-channel intermediate image `tmp`. With `use_res` the output is
    `x + conv2(ll) + conv3(tmp)`; without, it is `tmp` itself.

    Args:
        dim_in: input channels.
        dim_out: channels of `ll` (and of the output when `use_res`).
        use_res: residual form (True) or 3-channel output (False).
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, dim_in, dim_out, use_res=True, **kwargs):
        super().__init__(**kwargs)
        if use_res and dim_in != dim_out:
            raise ValueError(
                f"the residual form needs dim_in == dim_out. Received: dim_in={dim_in}, dim_out={dim_out}"
            )
        self.dim_in = dim_in
        self.dim_out = dim_out
        self.use_res = use_res
        self.hg_block = HourGlassBlock(dim_in, dim_out, name="HG_0")
        self.hg_conv_block = ConvBlock(dim_out, dim_out, name="HG_1")
        self.hg_conv = layers.Conv2D(dim_out, 1, use_bias=False, name="HG_2")
        self.hg_norm = InstanceNormalization(name="HG_3")
        self.conv1 = layers.Conv2D(3, 1, name="Conv1")
        if use_res:
            self.conv2 = layers.Conv2D(dim_out, 1, name="Conv2")
            self.conv3 = layers.Conv2D(dim_out, 1, name="Conv3")

    def build(self, input_shape):
        inner = _channels_shape(input_shape, self.dim_out)
        self.hg_block.build(_channels_shape(input_shape, self.dim_in))
        self.hg_conv_block.build(inner)
        self.hg_conv.build(inner)
        self.conv1.build(inner)
        if self.use_res:
            self.conv2.build(inner)
            self.conv3.build(_channels_shape(input_shape, 3))

    def call(self, x):
        ll = self.hg_conv_block(self.hg_block(x))
        ll = ops.relu(self.hg_norm(self.hg_conv(ll)))
        tmp = self.conv1(ll)
        if not self.use_res:
            return tmp
        return x + self.conv2(ll) + self.conv3(tmp)

    def compute_output_shape(self, input_shape):
        return _channels_shape(input_shape, self.dim_out if self.use_res else 3)

    def get_config(self):
        return {
            **super().get_config(),
            "dim_in": self.dim_in,
            "dim_out": self.dim_out,
            "use_res": self.use_res,
        }
