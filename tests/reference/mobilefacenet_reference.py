"""Independent PyTorch reference of MobileFaceNet and of photo2cartoon's Face-ID crop and loss.

Used only by ``make_faceid_fixtures.py`` (and optionally ``benchmarks/bench_train_step.py``);
nothing in ``tf_p2c`` imports it and the test suite never imports torch. Attribute names are
chosen so that ``state_dict()`` keys equal those of InsightFace_Pytorch's
``model_mobilefacenet.pth`` (``conv1.conv.weight``, ``conv_3.model.0.project.bn.running_var``...).

``width`` scales every channel count so that a structurally identical network fits in a small
fixture; ``width=1.0`` is the released architecture.

Written in this project from the architecture facts in DESIGN.md §1 and the brief of issue 3.
Reference: MobileFaceNets, arXiv:1804.07573.
"""

import torch
import torch.nn.functional as F
from torch import nn


class ConvBlock(nn.Module):
    """Conv2d (no bias) + BatchNorm2d + PReLU(out_c)."""

    def __init__(self, in_c, out_c, kernel=1, stride=1, padding=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(in_c, out_c, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_c)
        self.prelu = nn.PReLU(out_c)

    def forward(self, x):
        return self.prelu(self.bn(self.conv(x)))


class LinearBlock(nn.Module):
    """Conv2d (no bias) + BatchNorm2d, no activation."""

    def __init__(self, in_c, out_c, kernel=1, stride=1, padding=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(in_c, out_c, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_c)

    def forward(self, x):
        return self.bn(self.conv(x))


class DepthWise(nn.Module):
    def __init__(self, in_c, out_c, groups, stride, residual=False):
        super().__init__()
        self.conv = ConvBlock(in_c, groups)
        self.conv_dw = ConvBlock(groups, groups, 3, stride, 1, groups=groups)
        self.project = LinearBlock(groups, out_c)
        self.residual = residual

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, c, num_block, groups):
        super().__init__()
        self.model = nn.Sequential(*[DepthWise(c, c, groups, 1, residual=True) for _ in range(num_block)])

    def forward(self, x):
        return self.model(x)


class MobileFaceNet(nn.Module):
    def __init__(self, embedding_size=512, width=1.0):
        super().__init__()
        c64, c128, c256, c512 = (max(1, round(c * width)) for c in (64, 128, 256, 512))
        self.conv1 = ConvBlock(3, c64, 3, 2, 1)
        self.conv2_dw = ConvBlock(c64, c64, 3, 1, 1, groups=c64)
        self.conv_23 = DepthWise(c64, c64, c128, 2)
        self.conv_3 = Residual(c64, 4, c128)
        self.conv_34 = DepthWise(c64, c128, c256, 2)
        self.conv_4 = Residual(c128, 6, c256)
        self.conv_45 = DepthWise(c128, c128, c512, 2)
        self.conv_5 = Residual(c128, 2, c256)
        self.conv_6_sep = ConvBlock(c128, c512)
        self.conv_6_dw = LinearBlock(c512, c512, 7, 1, 0, groups=c512)
        self.conv_6_flatten = nn.Flatten()
        self.linear = nn.Linear(c512, embedding_size, bias=False)
        self.bn = nn.BatchNorm1d(embedding_size)

    def forward(self, x):
        for module in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4,
                       self.conv_45, self.conv_5, self.conv_6_sep, self.conv_6_dw, self.conv_6_flatten,
                       self.linear, self.bn):
            x = module(x)
        return x / torch.norm(x, 2, 1, True)


def randomize(model, generator):
    """Random BN affine parameters and running statistics, PReLU slopes, and BN counters.

    Running statistics are first estimated on random inputs (so activations stay O(1) through
    the 20-odd blocks and embeddings still depend on the input), then perturbed at random.
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.PReLU):
                module.weight.copy_(0.5 * torch.rand(module.weight.shape, generator=generator))
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                module.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(3):
            model(torch.rand(8, 3, 112, 112, generator=generator) * 2 - 1)
        for module in model.modules():
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = module.num_features
                module.momentum = 0.1
                module.weight.copy_(0.5 + torch.rand(n, generator=generator))
                module.bias.copy_(0.1 * torch.randn(n, generator=generator))
                module.running_mean.add_(0.05 * torch.randn(n, generator=generator))
                module.running_var.mul_(0.8 + 0.4 * torch.rand(n, generator=generator))
                module.num_batches_tracked.fill_(1234)
    return model.eval()


def face_crop(images, size=112):
    """photo2cartoon's FaceFeatures crop of NCHW images, then bilinear align_corners=True resize."""
    h, w = images.shape[2:]
    top = int(h / 2.1 * (0.8 - 0.33))
    bottom = int(h - (h / 2.1 * 0.3))
    side = bottom - top
    left = int(w / 2 - side / 2)
    crop = images[:, :, top:bottom, left:left + side]
    return F.interpolate(crop, size=[size, size], mode="bilinear", align_corners=True)


def face_id_loss(model, real, fake):
    """Mean over the batch of 1 - cosine similarity of the embeddings of the two crops."""
    return torch.mean(1 - torch.cosine_similarity(model(face_crop(real)), model(face_crop(fake))))
