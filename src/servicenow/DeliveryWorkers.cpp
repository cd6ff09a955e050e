#include "servicenow/DeliveryWorkers.h"

#include <algorithm>

namespace evalbridge {

DeliveryWorkers::DeliveryWorkers(int maxWorkers) : maxWorkers_(std::max(1, maxWorkers)) {}

DeliveryWorkers::~DeliveryWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void DeliveryWorkers::post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  tasks_.push_back(std::move(task));
  // A new thread only when every thread is busy: a trickle of work keeps one or two.
  if (static_cast<std::size_t>(idle_) < tasks_.size() && static_cast<int>(threads_.size()) < maxWorkers_)
    threads_.emplace_back([this] { work(); });
  changed_.notify_one();
}

int DeliveryWorkers::started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(threads_.size());
}

void DeliveryWorkers::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    changed_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) return;  // stopping, nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();  // never throws: DeliveryQueue catches what delivery throws
    lock.lock();
  }
}

}  // namespace evalbridge
