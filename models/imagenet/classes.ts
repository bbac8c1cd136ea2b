// The 1000 ImageNet class names in the order of torchvision's classifier outputs (index = logit index).
// Copied from pytorch/hub @ c7895df70c7767403e36f82786d6b611b7984557 : imagenet_classes.txt (line n is
// class n - 1), the list PyTorch Hub's ImageNet classifier examples print. Two names repeat ("crane",
// "maillot"), as in the original: the indices, not the names, identify a class.
import names from './imagenet_classes.json' with { type: 'json' };

export const IMAGENET_CLASSES: readonly string[] = Object.freeze(names);
