#include "ledger/SkipBuffer.h"

namespace evalbridge {

SkipBuffer::OrgBuffer& SkipBuffer::orgBuffer(const std::string& orgId) {
  std::unique_ptr<OrgBuffer>& buffer = orgs_[orgId];
  if (!buffer) buffer = std::make_unique<OrgBuffer>();
  return *buffer;
}

void SkipBuffer::put(const std::string& orgId, const std::string& evaluationId, const Row& row) {
  OrgRows& rows = orgBuffer(orgId).rows;
  if (rows.insert_or_assign(std::pmr::string(evaluationId, rows.get_allocator()), row).second) ++size_;
}

void SkipBuffer::drop(const std::string& orgId, const std::string& evaluationId) {
  auto org = orgs_.find(orgId);
  if (org == orgs_.end()) return;
  OrgRows& rows = org->second->rows;
  auto row = rows.find(std::string_view(evaluationId));
  if (row == rows.end()) return;
  rows.erase(row);
  --size_;
  if (rows.empty()) {
    orgs_.erase(org);
  } else if (++org->second->erased > rows.size() + 1024) {
    auto fresh = std::make_unique<OrgBuffer>();
    for (const auto& [id, kept] : rows) fresh->rows.emplace(id, kept);
    org->second = std::move(fresh);
  }
}

void SkipBuffer::add(const std::string& orgId, const std::string& evaluationId, const Row& row) {
  put(orgId, evaluationId, row);
  changes_.push_back({Change::Kind::Added, orgId, evaluationId, {}, nullptr});
}

const SkipBuffer::Row* SkipBuffer::find(const std::string& orgId, const std::string& evaluationId) const {
  auto org = orgs_.find(orgId);
  if (org == orgs_.end()) return nullptr;
  const OrgRows& rows = org->second->rows;
  auto row = rows.find(std::string_view(evaluationId));
  return row == rows.end() ? nullptr : &row->second;
}

bool SkipBuffer::erase(const std::string& orgId, const std::string& evaluationId) {
  const Row* row = find(orgId, evaluationId);
  if (row == nullptr) return false;
  changes_.push_back({Change::Kind::Erased, orgId, evaluationId, *row, nullptr});
  drop(orgId, evaluationId);
  return true;
}

const SkipBuffer::OrgRows& SkipBuffer::take(const std::string& orgId) {
  static const OrgRows kNone;
  auto org = orgs_.find(orgId);
  if (org == orgs_.end()) return kNone;
  Change& change = changes_.emplace_back(Change{Change::Kind::Taken, orgId, {}, {}, std::move(org->second)});
  orgs_.erase(org);
  size_ -= change.taken->rows.size();
  return change.taken->rows;
}

bool SkipBuffer::discard(const std::string& orgId) {
  auto org = orgs_.find(orgId);
  if (org == orgs_.end()) return false;
  size_ -= org->second->rows.size();
  orgs_.erase(org);
  // Undoing an earlier change must not bring a discarded row back.
  for (Change& change : changes_) {
    if (change.orgId != orgId) continue;
    change.kind = Change::Kind::Taken;  // with nothing taken: undone, it puts nothing back
    change.taken.reset();
  }
  return true;
}

std::map<std::string, long long> SkipBuffer::countByOrg() const {
  std::map<std::string, long long> counts;
  for (const auto& [orgId, buffer] : orgs_) counts[orgId] = static_cast<long long>(buffer->rows.size());
  return counts;
}

std::vector<std::string> SkipBuffer::orgs() const {
  std::vector<std::string> orgIds;
  for (const auto& entry : orgs_) orgIds.push_back(entry.first);
  return orgIds;
}

void SkipBuffer::transactionEnded(bool committed) {
  if (!committed) {
    for (auto change = changes_.rbegin(); change != changes_.rend(); ++change) {
      switch (change->kind) {
        case Change::Kind::Added: drop(change->orgId, change->evaluationId); break;
        case Change::Kind::Erased: put(change->orgId, change->evaluationId, change->erased); break;
        case Change::Kind::Taken:
          if (!change->taken) break;
          if (orgs_.count(change->orgId) == 0) {  // as it was: nothing was added for the org since
            size_ += change->taken->rows.size();
            orgs_[change->orgId] = std::move(change->taken);
          } else {
            for (const auto& [evaluationId, row] : change->taken->rows)
              put(change->orgId, std::string(evaluationId), row);
          }
          break;
      }
    }
  }
  changes_.clear();  // frees written rows with their arena
}

}  // namespace evalbridge
