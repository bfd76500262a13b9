"""Independent PyTorch reference of the original photo2cartoon training step.

Written in this project from DESIGN.md §1 ("Losses and optimisation") and the step as the
original trainer runs it: one discriminator update, then one generator update, then the rho / w
clipping, with `torch.optim.Adam(lr, betas=(0.5, 0.999), eps=1e-8, weight_decay=1e-4)` and the
original's per-step linear LR decay. Used only by `make_train_fixtures.py`; nothing in `tf_p2c`
imports it and CI does not run it.
"""

import itertools

import torch
from torch import nn
from torch_reference import LIN, Discriminator, ResnetGenerator, SoftAdaLIN, adaLIN

__all__ = ["UGATITReference"]


class UGATITReference:
    """The six networks, the two optimizers, the loss terms and the step of the original.

    Args:
        ngf, img_size, light: generator architecture.
        ndf, n_layers_global, n_layers_local: discriminator architecture.
        weights: dict with adv, cycle, identity, cam, faceid.
        lr, iteration, decay_flag, weight_decay: optimisation.
        face_id: None, or a callable (real, fake) -> scalar (1 - cosine similarity).
    """

    def __init__(self, ngf, img_size, light, ndf, n_layers_global, n_layers_local, weights,
                 lr=1e-4, iteration=10, decay_flag=True, weight_decay=1e-4, face_id=None):
        self.genA2B = ResnetGenerator(ngf=ngf, img_size=img_size, light=light)
        self.genB2A = ResnetGenerator(ngf=ngf, img_size=img_size, light=light)
        self.disGA = Discriminator(input_nc=3, ndf=ndf, n_layers=n_layers_global)
        self.disGB = Discriminator(input_nc=3, ndf=ndf, n_layers=n_layers_global)
        self.disLA = Discriminator(input_nc=3, ndf=ndf, n_layers=n_layers_local)
        self.disLB = Discriminator(input_nc=3, ndf=ndf, n_layers=n_layers_local)
        self.weights = weights
        self.lr = lr
        self.iteration = iteration
        self.decay_flag = decay_flag
        self.face_id = face_id
        self.G_optim = torch.optim.Adam(
            itertools.chain(self.genA2B.parameters(), self.genB2A.parameters()),
            lr=lr, betas=(0.5, 0.999), eps=1e-8, weight_decay=weight_decay)
        self.D_optim = torch.optim.Adam(
            itertools.chain(self.disGA.parameters(), self.disGB.parameters(),
                            self.disLA.parameters(), self.disLB.parameters()),
            lr=lr, betas=(0.5, 0.999), eps=1e-8, weight_decay=weight_decay)
        self.MSE_loss = nn.MSELoss()
        self.L1_loss = nn.L1Loss()
        self.BCE_loss = nn.BCEWithLogitsLoss()

    def networks(self):
        return {"genA2B": self.genA2B, "genB2A": self.genB2A, "disGA": self.disGA,
                "disGB": self.disGB, "disLA": self.disLA, "disLB": self.disLB}

    def train(self):
        for net in self.networks().values():
            net.train()

    # ------------------------------------------------------------------ losses, written out as the original does

    def d_terms(self, real_A, real_B):
        mse = self.MSE_loss
        fake_A2B, _, _ = self.genA2B(real_A)
        fake_B2A, _, _ = self.genB2A(real_B)

        real_GA_logit, real_GA_cam_logit, _ = self.disGA(real_A)
        real_LA_logit, real_LA_cam_logit, _ = self.disLA(real_A)
        real_GB_logit, real_GB_cam_logit, _ = self.disGB(real_B)
        real_LB_logit, real_LB_cam_logit, _ = self.disLB(real_B)

        fake_GA_logit, fake_GA_cam_logit, _ = self.disGA(fake_B2A)
        fake_LA_logit, fake_LA_cam_logit, _ = self.disLA(fake_B2A)
        fake_GB_logit, fake_GB_cam_logit, _ = self.disGB(fake_A2B)
        fake_LB_logit, fake_LB_cam_logit, _ = self.disLB(fake_A2B)

        def d(real, fake):
            return mse(real, torch.ones_like(real)) + mse(fake, torch.zeros_like(fake))

        t = {
            "D_ad_loss_GA": d(real_GA_logit, fake_GA_logit),
            "D_ad_cam_loss_GA": d(real_GA_cam_logit, fake_GA_cam_logit),
            "D_ad_loss_LA": d(real_LA_logit, fake_LA_logit),
            "D_ad_cam_loss_LA": d(real_LA_cam_logit, fake_LA_cam_logit),
            "D_ad_loss_GB": d(real_GB_logit, fake_GB_logit),
            "D_ad_cam_loss_GB": d(real_GB_cam_logit, fake_GB_cam_logit),
            "D_ad_loss_LB": d(real_LB_logit, fake_LB_logit),
            "D_ad_cam_loss_LB": d(real_LB_cam_logit, fake_LB_cam_logit),
        }
        adv = self.weights["adv"]
        t["D_loss_A"] = adv * (t["D_ad_loss_GA"] + t["D_ad_cam_loss_GA"] + t["D_ad_loss_LA"] + t["D_ad_cam_loss_LA"])
        t["D_loss_B"] = adv * (t["D_ad_loss_GB"] + t["D_ad_cam_loss_GB"] + t["D_ad_loss_LB"] + t["D_ad_cam_loss_LB"])
        t["D_loss"] = t["D_loss_A"] + t["D_loss_B"]
        return t

    def g_terms(self, real_A, real_B):
        mse, l1, bce = self.MSE_loss, self.L1_loss, self.BCE_loss
        fake_A2B, fake_A2B_cam_logit, _ = self.genA2B(real_A)
        fake_B2A, fake_B2A_cam_logit, _ = self.genB2A(real_B)

        fake_A2B2A, _, _ = self.genB2A(fake_A2B)
        fake_B2A2B, _, _ = self.genA2B(fake_B2A)

        fake_A2A, fake_A2A_cam_logit, _ = self.genB2A(real_A)
        fake_B2B, fake_B2B_cam_logit, _ = self.genA2B(real_B)

        fake_GA_logit, fake_GA_cam_logit, _ = self.disGA(fake_B2A)
        fake_LA_logit, fake_LA_cam_logit, _ = self.disLA(fake_B2A)
        fake_GB_logit, fake_GB_cam_logit, _ = self.disGB(fake_A2B)
        fake_LB_logit, fake_LB_cam_logit, _ = self.disLB(fake_A2B)

        def g(fake):
            return mse(fake, torch.ones_like(fake))

        t = {
            "G_ad_loss_GA": g(fake_GA_logit),
            "G_ad_cam_loss_GA": g(fake_GA_cam_logit),
            "G_ad_loss_LA": g(fake_LA_logit),
            "G_ad_cam_loss_LA": g(fake_LA_cam_logit),
            "G_ad_loss_GB": g(fake_GB_logit),
            "G_ad_cam_loss_GB": g(fake_GB_cam_logit),
            "G_ad_loss_LB": g(fake_LB_logit),
            "G_ad_cam_loss_LB": g(fake_LB_cam_logit),
            "G_recon_loss_A": l1(fake_A2B2A, real_A),
            "G_recon_loss_B": l1(fake_B2A2B, real_B),
            "G_identity_loss_A": l1(fake_A2A, real_A),
            "G_identity_loss_B": l1(fake_B2B, real_B),
            "G_cam_loss_A": bce(fake_B2A_cam_logit, torch.ones_like(fake_B2A_cam_logit))
            + bce(fake_A2A_cam_logit, torch.zeros_like(fake_A2A_cam_logit)),
            "G_cam_loss_B": bce(fake_A2B_cam_logit, torch.ones_like(fake_A2B_cam_logit))
            + bce(fake_B2B_cam_logit, torch.zeros_like(fake_B2B_cam_logit)),
        }
        if self.face_id is not None:
            t["G_id_loss_A"] = self.face_id(real_A, fake_A2B)
            t["G_id_loss_B"] = self.face_id(real_B, fake_B2A)
        else:
            t["G_id_loss_A"] = t["G_id_loss_B"] = torch.zeros(())
        w = self.weights
        for d in "AB":
            adv = t[f"G_ad_loss_G{d}"] + t[f"G_ad_cam_loss_G{d}"] + t[f"G_ad_loss_L{d}"] + t[f"G_ad_cam_loss_L{d}"]
            t[f"G_loss_{d}"] = (w["adv"] * adv + w["cycle"] * t[f"G_recon_loss_{d}"]
                                + w["identity"] * t[f"G_identity_loss_{d}"] + w["cam"] * t[f"G_cam_loss_{d}"]
                                + w["faceid"] * t[f"G_id_loss_{d}"])
        t["G_loss"] = t["G_loss_A"] + t["G_loss_B"]
        return t

    # ------------------------------------------------------------------ the step

    def clip(self):
        """RhoClipper(0, 1) and WClipper(0, 1) on both generators."""
        with torch.no_grad():
            for gen in (self.genA2B, self.genB2A):
                for module in gen.modules():
                    if isinstance(module, (adaLIN, LIN)):
                        module.rho.clamp_(0.0, 1.0)
                    if isinstance(module, SoftAdaLIN):
                        module.w_gamma.clamp_(0.0, 1.0)
                        module.w_beta.clamp_(0.0, 1.0)

    def step(self, real_A, real_B, step):
        """The original's iteration `step` (counted from 1); returns the float loss terms."""
        self.train()
        half = self.iteration // 2
        if self.decay_flag and step > half:
            for optim in (self.G_optim, self.D_optim):
                optim.param_groups[0]["lr"] -= self.lr / half

        self.D_optim.zero_grad()
        d = self.d_terms(real_A, real_B)
        d["D_loss"].backward()
        self.D_optim.step()

        self.G_optim.zero_grad()
        g = self.g_terms(real_A, real_B)
        g["G_loss"].backward()
        self.G_optim.step()
        self.clip()
        return {k: float(v) for k, v in {**d, **g}.items()}
