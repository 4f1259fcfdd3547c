# -*- encoding: utf-8 -*-
# stub: hello_native 2.1.0.rc1 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "hello_native".freeze
  s.version = "2.1.0.rc1"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new("> 1.3.1".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Bulwark".freeze]
  s.date = "2026-11-23"
  s.licenses = ["Apache-2.0".freeze, "MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.7".freeze)
  s.rubygems_version = "3.3.15".freeze
  s.summary = "fixture gem with a platform".freeze

  s.installed_by_version = "3.3.15" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<racc>.freeze, ["~> 1.4"])
  else
    s.add_dependency(%q<racc>.freeze, ["~> 1.4"])
  end
end
