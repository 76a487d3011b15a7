"""License strings carried by every record, from each dataset's own release (docs/datasets.md).

Most restoration datasets state no license at all; saying so explicitly lets a filtered export drop them.
"""

CC_BY_4 = "CC BY 4.0"
CC_BY_NC_SA_4 = "CC BY-NC-SA 4.0"
MIT = "MIT"
UNSTATED = "unstated (the authors give no license; research use assumed)"
SIDD_TERMS = "SIDD terms of use (research only; no formal license found)"
S_LAB_NC = "S-Lab License 1.0 (non-commercial)"
PI_LAB_NC = "pi-lab-license-1.0 (non-commercial)"
DIV2K_ACADEMIC = "DIV2K: academic use only; Flickr2K: each image keeps its Flickr license"
FFHQ_LICENSE = "CC BY-NC-SA 4.0 (NVIDIA); each image keeps its Flickr license"
