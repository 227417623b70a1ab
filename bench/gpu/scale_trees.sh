#!/bin/bash
# The two codebases of the issue-18 scale bench (bench/results/scale.md), as xz tarballs in DEST (default .gpu-carry/c2):
#   tomcat7-4m.tar.xz   Apache Tomcat 7.0.109 (tag 7.0.109, commit 2cdef2c0, Apache-2.0): java/org/apache without
#                       jasper/ (the JSP compiler), plus conf/ and webapps/ (JSPs, the manager apps): ~4.7M tokens
#   ant-core-1m.tar.xz  Apache Ant 1.9.16 (tag rel/1.9.16, commit ea698c45, Apache-2.0): src/main/org/apache/tools/ant
#                       without taskdefs/ and types/optional/: ~0.97M tokens, for one 1M context
# Sources: bare git repositories (the fetch tool's github:apache/tomcat and github:apache/ant), in TOMCAT_GIT and
# ANT_GIT. Nothing from them runs; they are archived at the tags, trimmed and packed.
set -euo pipefail
DEST=${1:-.gpu-carry/c2}
TOMCAT_GIT=${TOMCAT_GIT:-/work/.mirror/apache+tomcat/repo}
ANT_GIT=${ANT_GIT:-/work/.mirror/apache+ant/repo}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/tc" "$W/ant" "$W/tomcat7-4m/java/org/apache" "$W/ant-core-1m/src/main/org/apache/tools" "$DEST"
git --git-dir="$TOMCAT_GIT" archive 7.0.109 | tar -x -C "$W/tc"
for d in catalina coyote el juli naming tomcat; do cp -r "$W/tc/java/org/apache/$d" "$W/tomcat7-4m/java/org/apache/"; done
cp -r "$W/tc/conf" "$W/tc/webapps" "$W/tc/LICENSE" "$W/tc/NOTICE" "$W/tomcat7-4m/"
git --git-dir="$ANT_GIT" archive rel/1.9.16 | tar -x -C "$W/ant"
cp -r "$W/ant/src/main/org/apache/tools/ant" "$W/ant-core-1m/src/main/org/apache/tools/"
rm -rf "$W/ant-core-1m/src/main/org/apache/tools/ant/taskdefs" "$W/ant-core-1m/src/main/org/apache/tools/ant/types/optional"
cp "$W/ant/LICENSE" "$W/ant/NOTICE" "$W/ant-core-1m/"
for t in tomcat7-4m ant-core-1m; do
  tar -C "$W" --sort=name --mtime=@0 --owner=0 --group=0 -cf - "$t" | xz -T2 -9 > "$DEST/$t.tar.xz"
  echo "$DEST/$t.tar.xz: $(stat -c %s "$DEST/$t.tar.xz") bytes; $(find "$W/$t" -type f | wc -l) files"
done
