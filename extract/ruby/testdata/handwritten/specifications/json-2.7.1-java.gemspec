# -*- encoding: utf-8 -*-
# stub: json 2.7.1 java lib

Gem::Specification.new do |s|
  s.name = "json".freeze
  s.version = "2.7.1".freeze
  s.platform = "java".freeze

  s.licenses = %w[Ruby BSD-2-Clause]
  s.summary = "JSON Implementation for Ruby, with \"quotes\" and \\ backslashes".freeze
end
