# -*- encoding: utf-8 -*-
# stub: hello_git 0.4.1 ruby lib

Gem::Specification.new do |s|
  s.name = "hello_git".freeze
  s.version = "0.4.1"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Bulwark".freeze]
  s.date = "2026-11-23"
  s.licenses = ["MIT".freeze]
  s.rubygems_version = "3.3.15".freeze
  s.summary = "fixture gem served from a local git repository".freeze

  s.installed_by_version = "3.3.15" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<rack>.freeze, [">= 2.0"])
  else
    s.add_dependency(%q<rack>.freeze, [">= 2.0"])
  end
end
