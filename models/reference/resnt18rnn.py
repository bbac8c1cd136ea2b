"""The seed's Resnt18Rnn in PyTorch — the reference webgrad's models/resnt18rnn/ matches — and
PerClipRnn, the same module computing what webgrad's default mode computes. Used by
test/fixtures/generate_models.py (PyTorch's reference outputs) and bench/pytorch_models.py (PyTorch CPU
timings); a PyTorch user can also load webgrad's weights_rnn.pt into either.

Resnt18Rnn is the reference as published, unchanged: its forward runs the CNN once per time step on the
B frames of that step and feeds them to a non-batch-first LSTM as a sequence of B with batch 1, carrying
(h, c) on to the next step (webgrad's seedCompat). PerClipRnn makes each clip its own sequence, with
BatchNorm statistics over all B·T frames (bn_per_step=False: webgrad's default) or per time step.
"""
import torch
import torch.nn as nn
from torchvision import models


class Identity(nn.Module):
    def __init__(self):
        super(Identity, self).__init__()

    def forward(self, x):
        return x


class Resnt18Rnn(nn.Module):
    def __init__(self, params_model):
        super(Resnt18Rnn, self).__init__()
        num_classes = params_model["num_classes"]
        dr_rate = params_model["dr_rate"]
        pretrained = params_model["pretrained"]
        rnn_hidden_size = params_model["rnn_hidden_size"]
        rnn_num_layers = params_model["rnn_num_layers"]

        baseModel = models.resnet18(pretrained=pretrained)
        num_features = baseModel.fc.in_features
        baseModel.fc = Identity()
        self.baseModel = baseModel
        self.dropout = nn.Dropout(dr_rate)
        self.rnn = nn.LSTM(num_features, rnn_hidden_size, rnn_num_layers)
        self.fc1 = nn.Linear(rnn_hidden_size, num_classes)

    def forward(self, x):
        b_z, ts, c, h, w = x.shape
        ii = 0
        y = self.baseModel((x[:, ii]))
        output, (hn, cn) = self.rnn(y.unsqueeze(1))
        for ii in range(1, ts):
            y = self.baseModel((x[:, ii]))
            out, (hn, cn) = self.rnn(y.unsqueeze(1), (hn, cn))
        out = self.dropout(out[:, -1])
        out = self.fc1(out)
        return out


class PerClipRnn(Resnt18Rnn):
    """Each clip its own sequence; BN statistics over all B·T frames, or per time step."""

    def __init__(self, params_model, bn_per_step=False):
        super().__init__(params_model)
        self.bn_per_step = bn_per_step

    def forward(self, x):
        b, t, c, h, w = x.shape
        if self.training and self.bn_per_step:
            features = torch.stack([self.baseModel(x[:, i]) for i in range(t)], 1)
        else:
            features = self.baseModel(x.reshape(b * t, c, h, w)).reshape(b, t, -1)
        out, _ = self.rnn(features.transpose(0, 1))
        return self.fc1(self.dropout(out[-1]))
