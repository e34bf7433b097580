// Segments an image file with a UNet++ model file inside an ITK pipeline and writes the labelmap.
// Usage: filter_example INPUT_IMAGE MODEL_FILE OUTPUT_LABELMAP

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkUNetPlusPlusImageFilter.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4)
  {
    std::cerr << "usage: " << argv[0] << " INPUT_IMAGE MODEL_FILE OUTPUT_LABELMAP\n";
    return EXIT_FAILURE;
  }

  // A 2D image file is read as a volume of one slice.
  using ImageType = itk::Image<float, 3>;
  using FilterType = itk::UNetPlusPlusImageFilter<ImageType>;

  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(argv[1]);

  auto filter = FilterType::New();
  filter->SetInput(reader->GetOutput());
  filter->SetModelFileName(argv[2]);
  filter->SetPruningLevel(4);
  filter->SetMode(unetpp::InferenceMode::Accurate);
  filter->AddObserver(itk::ProgressEvent(), [&filter](const itk::EventObject &) {
    std::cout << "\rsegmenting: " << static_cast<int>(100.0F * filter->GetProgress()) << "%" << std::flush;
  });

  // The labelmap keeps the input's origin, spacing and direction.
  auto writer = itk::ImageFileWriter<FilterType::OutputImageType>::New();
  writer->SetInput(filter->GetOutput());
  writer->SetFileName(argv[3]);
  writer->UseCompressionOn();
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    std::cerr << "\nsegmentation failed: " << error.GetDescription() << '\n';
    return EXIT_FAILURE;
  }
  std::cout << "\nwrote " << argv[3] << '\n';
  return EXIT_SUCCESS;
}
