"""Independent PyTorch reference of the original photo2cartoon networks.

Used only to generate the small committed fixtures in ``tests/fixtures/`` (see
``make_fixtures.py``) and by ``benchmarks/bench_parity_full.py``. It is not shipped
code and nothing in ``tf_p2c`` imports it. Attribute names are the original's module names, so
that ``state_dict()`` keys and shapes equal those of the original's checkpoints, as listed in
``tests/fixtures/original_state_dicts.tsv`` (``make_fixtures.py`` checks it).

Written in this project from the architecture facts in DESIGN.md §1.

Reference: U-GAT-IT, arXiv:1907.10830; photo2cartoon (minivision-ai).
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "LIN",
    "ConvBlock",
    "Discriminator",
    "HourGlass",
    "HourGlassBlock",
    "ResnetBlock",
    "ResnetGenerator",
    "ResnetSoftAdaLINBlock",
    "SoftAdaLIN",
    "adaLIN",
    "randomize_norm_params",
]


def _mix_instance_layer_norm(x, rho, eps):
    """rho * IN(x) + (1 - rho) * LN(x), both with UNBIASED variance (torch.var default)."""
    in_mean = torch.mean(x, dim=[2, 3], keepdim=True)
    in_var = torch.var(x, dim=[2, 3], keepdim=True)
    out_in = (x - in_mean) / torch.sqrt(in_var + eps)
    ln_mean = torch.mean(x, dim=[1, 2, 3], keepdim=True)
    ln_var = torch.var(x, dim=[1, 2, 3], keepdim=True)
    out_ln = (x - ln_mean) / torch.sqrt(ln_var + eps)
    rho = rho.expand(_batch(x), -1, -1, -1)
    return rho * out_in + (1.0 - rho) * out_ln


def _batch(x):
    # Parameters are expanded to the batch, as the original writes it. A Python int lets a
    # tracing exporter fold the expanded parameter into a constant of its own (as in exports
    # with a static batch), which the ONNX importer must then find by structure.
    return int(x.shape[0])


def _up2(x):
    return F.interpolate(x, scale_factor=2, mode="nearest")


class adaLIN(nn.Module):  # noqa: N801 - name mirrors the original module
    """Adaptive layer-instance norm; gamma/beta [B, C] come from outside."""

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, num_features, 1, 1), 0.9))

    def forward(self, x, gamma, beta):
        out = _mix_instance_layer_norm(x, self.rho, self.eps)
        return out * gamma.unsqueeze(2).unsqueeze(3) + beta.unsqueeze(2).unsqueeze(3)


class SoftAdaLIN(nn.Module):
    """Soft-AdaLIN: gamma/beta blended from content (MLP) and style (linear) projections."""

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        c = num_features
        self.norm = adaLIN(c, eps)
        self.w_gamma = nn.Parameter(torch.zeros(1, c))
        self.w_beta = nn.Parameter(torch.zeros(1, c))
        self.c_gamma = nn.Sequential(nn.Linear(c, c), nn.ReLU(True), nn.Linear(c, c))
        self.c_beta = nn.Sequential(nn.Linear(c, c), nn.ReLU(True), nn.Linear(c, c))
        self.s_gamma = nn.Linear(c, c)
        self.s_beta = nn.Linear(c, c)

    def forward(self, x, content_features, style_features):
        content_gamma = self.c_gamma(content_features)
        content_beta = self.c_beta(content_features)
        style_gamma = self.s_gamma(style_features)
        style_beta = self.s_beta(style_features)
        w_gamma = self.w_gamma.expand(_batch(x), -1)
        w_beta = self.w_beta.expand(_batch(x), -1)
        gamma = (1.0 - w_gamma) * style_gamma + w_gamma * content_gamma
        beta = (1.0 - w_beta) * style_beta + w_beta * content_beta
        return self.norm(x, gamma, beta)


class LIN(nn.Module):
    """Layer-instance norm with its own learned rho, gamma, beta (used in the up blocks)."""

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, num_features, 1, 1), 0.0))
        self.gamma = nn.Parameter(torch.full((1, num_features, 1, 1), 1.0))
        self.beta = nn.Parameter(torch.full((1, num_features, 1, 1), 0.0))

    def forward(self, x):
        out = _mix_instance_layer_norm(x, self.rho, self.eps)
        batch = _batch(x)
        return out * self.gamma.expand(batch, -1, -1, -1) + self.beta.expand(batch, -1, -1, -1)


class ResnetBlock(nn.Module):
    """[pad, conv3x3, IN, ReLU, pad, conv3x3, IN] + identity."""

    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, bias=False),
            nn.InstanceNorm2d(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, bias=False),
            nn.InstanceNorm2d(dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetSoftAdaLINBlock(nn.Module):
    """Residual block whose two norms are Soft-AdaLIN conditioned on content and style."""

    def __init__(self, dim):
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(dim, dim, 3, bias=False)
        self.norm1 = SoftAdaLIN(dim)
        self.relu1 = nn.ReLU(True)
        self.pad2 = nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(dim, dim, 3, bias=False)
        self.norm2 = SoftAdaLIN(dim)

    def forward(self, x, content_features, style_features):
        out = self.conv1(self.pad1(x))
        out = self.norm1(out, content_features, style_features)
        out = self.relu1(out)
        out = self.conv2(self.pad2(out))
        out = self.norm2(out, content_features, style_features)
        return out + x


def _norm_relu_conv(dim_in, dim_out, kernel_size, pad):
    return nn.Sequential(
        nn.InstanceNorm2d(dim_in),
        nn.ReLU(True),
        nn.ReflectionPad2d(pad),
        nn.Conv2d(dim_in, dim_out, kernel_size, bias=False),
    )


class ConvBlock(nn.Module):
    """Three pre-activation 3x3 convs (out/2, out/4, out/4 channels), concatenated, + residual.

    ``ConvBlock4`` (IN, ReLU, 1x1 conv) is always created, as in the original, so its weight is
    in the state dict; it is only used when ``dim_in != dim_out``, which never happens in the
    generator.
    """

    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.dim_in = dim_in
        self.dim_out = dim_out
        self.ConvBlock1 = _norm_relu_conv(dim_in, dim_out // 2, 3, 1)
        self.ConvBlock2 = _norm_relu_conv(dim_out // 2, dim_out // 4, 3, 1)
        self.ConvBlock3 = _norm_relu_conv(dim_out // 4, dim_out // 4, 3, 1)
        self.ConvBlock4 = nn.Sequential(
            nn.InstanceNorm2d(dim_in),
            nn.ReLU(True),
            nn.Conv2d(dim_in, dim_out, 1, bias=False),
        )

    def forward(self, x):
        x1 = self.ConvBlock1(x)
        x2 = self.ConvBlock2(x1)
        x3 = self.ConvBlock3(x2)
        out = torch.cat((x1, x2, x3), dim=1)
        residual = x if self.dim_in == self.dim_out else self.ConvBlock4(x)
        return residual + out


class HourGlassBlock(nn.Module):
    """Four-level hourglass of ConvBlocks (2x2 average pooling down, nearest x2 up)."""

    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.ConvBlock1_1 = ConvBlock(dim_in, dim_out)
        self.ConvBlock1_2 = ConvBlock(dim_out, dim_out)
        self.ConvBlock2_1 = ConvBlock(dim_out, dim_out)
        self.ConvBlock2_2 = ConvBlock(dim_out, dim_out)
        self.ConvBlock3_1 = ConvBlock(dim_out, dim_out)
        self.ConvBlock3_2 = ConvBlock(dim_out, dim_out)
        self.ConvBlock4_1 = ConvBlock(dim_out, dim_out)
        self.ConvBlock4_2 = ConvBlock(dim_out, dim_out)
        self.ConvBlock5 = ConvBlock(dim_out, dim_out)
        self.ConvBlock6 = ConvBlock(dim_out, dim_out)
        self.ConvBlock7 = ConvBlock(dim_out, dim_out)
        self.ConvBlock8 = ConvBlock(dim_out, dim_out)
        self.ConvBlock9 = ConvBlock(dim_out, dim_out)

    def forward(self, x):
        skip1 = self.ConvBlock1_1(x)
        down1 = self.ConvBlock1_2(F.avg_pool2d(x, 2))
        skip2 = self.ConvBlock2_1(down1)
        down2 = self.ConvBlock2_2(F.avg_pool2d(down1, 2))
        skip3 = self.ConvBlock3_1(down2)
        down3 = self.ConvBlock3_2(F.avg_pool2d(down2, 2))
        skip4 = self.ConvBlock4_1(down3)
        down4 = self.ConvBlock4_2(F.avg_pool2d(down3, 2))
        center = self.ConvBlock5(down4)
        up4 = skip4 + _up2(self.ConvBlock6(center))
        up3 = skip3 + _up2(self.ConvBlock7(up4))
        up2 = skip2 + _up2(self.ConvBlock8(up3))
        return skip1 + _up2(self.ConvBlock9(up2))


class HourGlass(nn.Module):
    """Hourglass module; with ``use_res=False`` it returns its 3-channel 1x1 output."""

    def __init__(self, dim_in, dim_out, use_res=True):
        super().__init__()
        self.use_res = use_res
        self.HG = nn.Sequential(
            HourGlassBlock(dim_in, dim_out),
            ConvBlock(dim_out, dim_out),
            nn.Conv2d(dim_out, dim_out, 1, bias=False),
            nn.InstanceNorm2d(dim_out),
            nn.ReLU(True),
        )
        self.Conv1 = nn.Conv2d(dim_out, 3, 1)
        if use_res:
            self.Conv2 = nn.Conv2d(dim_out, dim_out, 1)
            self.Conv3 = nn.Conv2d(3, dim_out, 1)

    def forward(self, x):
        ll = self.HG(x)
        tmp = self.Conv1(ll)
        if self.use_res:
            return x + self.Conv2(ll) + self.Conv3(tmp)
        return tmp


def _conv_in_relu(dim_in, dim_out, kernel_size, stride, pad):
    return nn.Sequential(
        nn.ReflectionPad2d(pad),
        nn.Conv2d(dim_in, dim_out, kernel_size, stride=stride, bias=False),
        nn.InstanceNorm2d(dim_out),
        nn.ReLU(True),
    )


def _up_lin_relu(dim_in, dim_out):
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.ReflectionPad2d(1),
        nn.Conv2d(dim_in, dim_out, 3, bias=False),
        LIN(dim_out),
        nn.ReLU(True),
    )


class ResnetGenerator(nn.Module):
    """photo2cartoon generator. forward(x NCHW in [-1, 1]) -> (image, cam_logit [B, 2], heatmap)."""

    def __init__(self, ngf=32, img_size=256, light=True):
        super().__init__()
        self.light = light
        c = ngf * 4
        self.ConvBlock1 = _conv_in_relu(3, ngf, 7, 1, 3)
        self.HourGlass1 = HourGlass(ngf, ngf)
        self.HourGlass2 = HourGlass(ngf, ngf)
        self.DownBlock1 = _conv_in_relu(ngf, ngf * 2, 3, 2, 1)
        self.DownBlock2 = _conv_in_relu(ngf * 2, c, 3, 2, 1)
        self.EncodeBlock1 = ResnetBlock(c)
        self.EncodeBlock2 = ResnetBlock(c)
        self.EncodeBlock3 = ResnetBlock(c)
        self.EncodeBlock4 = ResnetBlock(c)

        self.gap_fc = nn.Linear(c, 1)
        self.gmp_fc = nn.Linear(c, 1)
        self.conv1x1 = nn.Conv2d(c * 2, c, 1)
        self.relu = nn.ReLU(True)

        fc_in = c if light else (img_size // 4) * (img_size // 4) * c
        self.FC = nn.Sequential(
            nn.Linear(fc_in, c), nn.ReLU(True), nn.Linear(c, c), nn.ReLU(True)
        )

        self.DecodeBlock1 = ResnetSoftAdaLINBlock(c)
        self.DecodeBlock2 = ResnetSoftAdaLINBlock(c)
        self.DecodeBlock3 = ResnetSoftAdaLINBlock(c)
        self.DecodeBlock4 = ResnetSoftAdaLINBlock(c)

        self.UpBlock1 = _up_lin_relu(c, ngf * 2)
        self.UpBlock2 = _up_lin_relu(ngf * 2, ngf)
        self.HourGlass3 = HourGlass(ngf, ngf)
        self.HourGlass4 = HourGlass(ngf, ngf, use_res=False)
        self.ConvBlock2 = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(3, 3, 7, bias=False), nn.Tanh()
        )

    def forward(self, x):
        b = x.shape[0]
        x = self.ConvBlock1(x)
        x = self.HourGlass1(x)
        x = self.HourGlass2(x)
        x = self.DownBlock1(x)
        x = self.DownBlock2(x)

        content = []
        for block in (self.EncodeBlock1, self.EncodeBlock2, self.EncodeBlock3, self.EncodeBlock4):
            x = block(x)
            content.append(F.adaptive_avg_pool2d(x, 1).view(b, -1))

        # CAM: the map branch scales channels by the classifier's weight row.
        gap_logit = self.gap_fc(F.adaptive_avg_pool2d(x, 1).view(b, -1))
        gap = x * self.gap_fc.weight[:, :, None, None]
        gmp_logit = self.gmp_fc(F.adaptive_max_pool2d(x, 1).view(b, -1))
        gmp = x * self.gmp_fc.weight[:, :, None, None]
        cam_logit = torch.cat([gap_logit, gmp_logit], dim=1)
        x = self.relu(self.conv1x1(torch.cat([gap, gmp], dim=1)))
        heatmap = torch.sum(x, dim=1, keepdim=True)

        if self.light:
            style = self.FC(F.adaptive_avg_pool2d(x, 1).view(b, -1))
        else:
            style = self.FC(x.view(b, -1))  # NCHW flatten order

        x = self.DecodeBlock1(x, content[3], style)
        x = self.DecodeBlock2(x, content[2], style)
        x = self.DecodeBlock3(x, content[1], style)
        x = self.DecodeBlock4(x, content[0], style)

        x = self.UpBlock1(x)
        x = self.UpBlock2(x)
        x = self.HourGlass3(x)
        x = self.HourGlass4(x)
        out = self.ConvBlock2(x)
        return out, cam_logit, heatmap


def _sn(module):
    return nn.utils.spectral_norm(module)


class Discriminator(nn.Module):
    """Spectral-norm PatchGAN discriminator with a CAM head. forward -> (logit map, cam_logit, heatmap)."""

    def __init__(self, input_nc=3, ndf=64, n_layers=5):
        super().__init__()
        layers = [
            nn.ReflectionPad2d(1),
            _sn(nn.Conv2d(input_nc, ndf, 4, stride=2, bias=True)),
            nn.LeakyReLU(0.2, True),
        ]
        for i in range(1, n_layers - 2):
            mult = 2 ** (i - 1)
            layers += [
                nn.ReflectionPad2d(1),
                _sn(nn.Conv2d(ndf * mult, ndf * mult * 2, 4, stride=2, bias=True)),
                nn.LeakyReLU(0.2, True),
            ]
        mult = 2 ** (n_layers - 3)
        layers += [
            nn.ReflectionPad2d(1),
            _sn(nn.Conv2d(ndf * mult, ndf * mult * 2, 4, stride=1, bias=True)),
            nn.LeakyReLU(0.2, True),
        ]

        mult = 2 ** (n_layers - 2)
        self.gap_fc = _sn(nn.Linear(ndf * mult, 1, bias=False))
        self.gmp_fc = _sn(nn.Linear(ndf * mult, 1, bias=False))
        self.conv1x1 = nn.Conv2d(ndf * mult * 2, ndf * mult, 1, bias=True)
        self.leaky_relu = nn.LeakyReLU(0.2, True)
        self.pad = nn.ReflectionPad2d(1)
        self.conv = _sn(nn.Conv2d(ndf * mult, 1, 4, stride=1, bias=False))
        # Registered last, as in the original: the state dict lists the CAM head first.
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        b = x.shape[0]
        x = self.model(x)
        # Faithful quirk: the original takes ``list(fc.parameters())[0]``, which under torch
        # spectral_norm is ``weight_orig`` (NOT divided by sigma), for the map branch, while the
        # logit branch goes through the normalised weight.
        gap_logit = self.gap_fc(F.adaptive_avg_pool2d(x, 1).view(b, -1))
        gap = x * self.gap_fc.weight_orig[:, :, None, None]
        gmp_logit = self.gmp_fc(F.adaptive_max_pool2d(x, 1).view(b, -1))
        gmp = x * self.gmp_fc.weight_orig[:, :, None, None]
        cam_logit = torch.cat([gap_logit, gmp_logit], dim=1)
        x = self.leaky_relu(self.conv1x1(torch.cat([gap, gmp], dim=1)))
        heatmap = torch.sum(x, dim=1, keepdim=True)
        out = self.conv(self.pad(x))
        return out, cam_logit, heatmap


def randomize_norm_params(model, generator):
    """Test helper: move every rho / w_gamma / w_beta (and LIN gamma, beta) away from its init."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (adaLIN, LIN)):
                module.rho.uniform_(0.0, 1.0, generator=generator)
            if isinstance(module, SoftAdaLIN):
                module.w_gamma.uniform_(0.0, 1.0, generator=generator)
                module.w_beta.uniform_(0.0, 1.0, generator=generator)
            if isinstance(module, LIN):
                module.gamma.uniform_(0.5, 1.5, generator=generator)
                module.beta.normal_(0.0, 0.1, generator=generator)
