// Segments an image with itk::UNetPlusPlusImageFilter from an installed UNet++ package and writes the labelmap.
// Usage: segment_with_installed_filter INPUT_IMAGE MODEL_FILE OUTPUT_LABELMAP

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkUNetPlusPlusImageFilter.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4)
  {
    std::cerr << "usage: " << argv[0] << " INPUT_IMAGE MODEL_FILE OUTPUT_LABELMAP\n";
    return EXIT_FAILURE;
  }

  using ImageType = itk::Image<float, 3>;
  using FilterType = itk::UNetPlusPlusImageFilter<ImageType, itk::Image<short, 3>>;

  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(argv[1]);

  auto filter = FilterType::New();
  filter->SetInput(reader->GetOutput());
  filter->SetModelFileName(argv[2]);
  filter->SetDevice("cpu");

  auto writer = itk::ImageFileWriter<FilterType::OutputImageType>::New();
  writer->SetInput(filter->GetOutput());
  writer->SetFileName(argv[3]);
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    std::cerr << "segmentation failed: " << error.GetDescription() << '\n';
    return EXIT_FAILURE;
  }
  std::cout << "wrote " << argv[3] << '\n';
  return EXIT_SUCCESS;
}
