#include "BatchManifest.h"

#include "CsvField.h"

#include "unetpp/AtomicFile.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace unetpp
{

namespace
{

void
writeTextFile(const std::string & path, const std::string & text)
{
  ScopedTemporaryFile temporary(path);
  {
    std::ofstream stream(temporary.path(), std::ios::binary);
    stream << text;
    stream.flush();
    if (!stream)
    {
      throw std::runtime_error("cannot write " + path + " (disk full or folder not writable?)");
    }
  }
  temporary.commit();
}

std::string
joinNames(const std::vector<std::string> & names)
{
  std::string joined;
  for (const auto & name : names)
  {
    joined += (joined.empty() ? "" : ";") + name;
  }
  return joined;
}

std::string
htmlEscaped(const std::string & text)
{
  std::string escaped;
  for (const char character : text)
  {
    switch (character)
    {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}

} // namespace

nlohmann::json
toJson(const SeriesRecord & record)
{
  return { { "kind", "series" },
           { "key", record.key },
           { "study_instance_uid", record.studyInstanceUid },
           { "series_instance_uid", record.seriesInstanceUid },
           { "series_number", record.seriesNumber ? nlohmann::json(*record.seriesNumber) : nlohmann::json() },
           { "modality", record.modality },
           { "description", record.description },
           { "files", record.files },
           { "slices", record.slices },
           { "status", record.status },
           { "reason", record.reason },
           { "seconds", record.seconds },
           { "output_folder", record.outputFolder },
           { "outputs", record.outputs } };
}

void
writeManifest(const std::string & base, const std::vector<SeriesRecord> & series, const std::vector<FileRecord> & files)
{
  std::ostringstream csv;
  csv << "kind,key,study_instance_uid,series_instance_uid,series_number,modality,description,files,slices,status,"
         "reason,seconds,output_folder,outputs,path\n";
  for (const auto & record : series)
  {
    std::ostringstream seconds;
    seconds << std::fixed << std::setprecision(3) << record.seconds;
    csv << "series," << csvField(record.key) << ',' << record.studyInstanceUid << ',' << record.seriesInstanceUid << ','
        << (record.seriesNumber ? std::to_string(*record.seriesNumber) : "") << ',' << csvField(record.modality) << ',' << csvField(record.description) << ','
        << record.files << ',' << record.slices << ',' << record.status << ',' << csvField(record.reason) << ','
        << seconds.str() << ',' << csvField(record.outputFolder) << ',' << csvField(joinNames(record.outputs)) << ",\n";
  }
  for (const auto & file : files)
  {
    csv << "file,,,,,,,,,skipped," << csvField(file.reason) << ",,,," << csvField(file.path) << '\n';
  }

  std::ostringstream lines;
  for (const auto & record : series)
  {
    lines << toJson(record).dump() << '\n';
  }
  for (const auto & file : files)
  {
    lines << nlohmann::json{ { "kind", "file" }, { "path", file.path }, { "status", "skipped" }, { "reason", file.reason } }
               .dump()
          << '\n';
  }
  writeTextFile(base + ".csv", csv.str());
  writeTextFile(base + ".jsonl", lines.str());
}

void
writePreviewIndex(const std::string & path, const std::vector<SeriesRecord> & series)
{
  namespace fs = std::filesystem;
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>UNet++ batch previews</title>\n"
       << "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:4px;vertical-align:top}img{max-width:640px}"
          ".failed{color:#b00}.done{color:#070}</style>\n</head>\n<body>\n<h1>UNet++ batch previews</h1>\n"
       << "<table>\n<tr><th>series</th><th>status</th><th>preview</th></tr>\n";
  for (const auto & record : series)
  {
    if (record.status == "skipped")
    {
      continue;
    }
    const std::string number = record.seriesNumber ? std::to_string(*record.seriesNumber) : "";
    html << "<tr><td>" << number << (number.empty() ? "" : " ") << htmlEscaped(record.description) << "<br><small>"
         << htmlEscaped(record.key) << "<br>" << htmlEscaped(record.modality) << ", " << record.slices
         << " slices</small></td><td class=\"" << record.status << "\">" << record.status;
    if (!record.reason.empty())
    {
      html << "<br><small>" << htmlEscaped(record.reason) << "</small>";
    }
    html << "</td><td>";
    for (const auto & output : record.outputs)
    {
      if (output.size() > 4 && output.compare(output.size() - 4, 4, ".png") == 0)
      {
        const fs::path image = fs::path(record.outputFolder) / output;
        html << "<a href=\"" << htmlEscaped(image.generic_string()) << "\"><img src=\""
             << htmlEscaped(image.generic_string()) << "\" alt=\"preview of series " << (number.empty() ? htmlEscaped(record.key) : number)
             << "\"></a>";
      }
    }
    html << "</td></tr>\n";
  }
  html << "</table>\n</body>\n</html>\n";
  writeTextFile(path, html.str());
}

} // namespace unetpp
