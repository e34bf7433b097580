# Declares ITKUNetPP to ITK's module system, which reads this file when the folder sits in an ITK source
# tree as a remote module.
# NOTE: ITKUNetPP/CMakeLists.txt builds with this project's own CMake (it also builds the LibTorch core), and
# building the folder inside an ITK source tree is untested.
set(DOCUMENTATION "UNet++ segmentation (Zhou et al., DLMIA 2018) with LibTorch. The filter
itk::UNetPlusPlusImageFilter segments scalar or multi-component 2D images and 3D volumes slice by slice and
produces a labelmap, and optionally per-class probabilities, with the input's origin, spacing and direction.")

itk_module(ITKUNetPP
  DEPENDS
    ITKCommon
  TEST_DEPENDS
    ITKIOImageBase
    ITKIONRRD
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
