#pragma once

#include <string>

namespace unetpp
{

/**
 * Temporary path next to `finalPath` that keeps its file name, extension included, so that writers which
 * choose a format from the extension (ITK's image IO) still pick the right one: dir/out.nii.gz becomes
 * dir/.tmp-<pid>-<counter>-out.nii.gz.
 */
std::string temporaryPathFor(const std::string & finalPath);

/** Renames a completed temporary file onto its final path; throws std::runtime_error naming both on failure. */
void commitTemporaryFile(const std::string & temporaryPath, const std::string & finalPath);

/** Removes a temporary file if it exists; never throws. */
void discardTemporaryFile(const std::string & temporaryPath) noexcept;

/**
 * Owns a temporary path until commit(): if the scope ends without commit (an exception, an early return),
 * the temporary file is removed so that no partial output is left behind.
 */
class ScopedTemporaryFile
{
public:
  explicit ScopedTemporaryFile(std::string finalPath);
  ~ScopedTemporaryFile();
  ScopedTemporaryFile(const ScopedTemporaryFile &) = delete;
  ScopedTemporaryFile & operator=(const ScopedTemporaryFile &) = delete;

  const std::string & path() const { return m_TemporaryPath; }
  void commit();

private:
  std::string m_FinalPath;
  std::string m_TemporaryPath;
  bool m_Committed = false;
};

} // namespace unetpp
