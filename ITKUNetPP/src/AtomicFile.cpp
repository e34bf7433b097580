#include "unetpp/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace unetpp
{

std::string
temporaryPathFor(const std::string & finalPath)
{
  static std::atomic<unsigned> counter{ 0 };
  const std::filesystem::path target(finalPath);
  const std::string name = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                           target.filename().string();
  return (target.parent_path() / name).string();
}

void
commitTemporaryFile(const std::string & temporaryPath, const std::string & finalPath)
{
  if (std::rename(temporaryPath.c_str(), finalPath.c_str()) != 0)
  {
    const std::string reason = std::strerror(errno);
    discardTemporaryFile(temporaryPath);
    throw std::runtime_error("cannot move completed output " + temporaryPath + " to " + finalPath + ": " + reason);
  }
}

void
discardTemporaryFile(const std::string & temporaryPath) noexcept
{
  std::error_code ignored;
  std::filesystem::remove(temporaryPath, ignored);
}

ScopedTemporaryFile::ScopedTemporaryFile(std::string finalPath)
  : m_FinalPath(std::move(finalPath))
  , m_TemporaryPath(temporaryPathFor(m_FinalPath))
{}

ScopedTemporaryFile::~ScopedTemporaryFile()
{
  if (!m_Committed)
  {
    discardTemporaryFile(m_TemporaryPath);
  }
}

void
ScopedTemporaryFile::commit()
{
  commitTemporaryFile(m_TemporaryPath, m_FinalPath);
  m_Committed = true;
}

} // namespace unetpp
