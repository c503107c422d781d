// Completion scripts for running kubectl-odoo directly; `kubectl odoo <TAB>` goes through kubectl and
// the kubectl_complete-odoo helper instead. Both ask `kubectl-odoo __complete`.

export const BASH_COMPLETION = `# bash completion for kubectl-odoo
_kubectl_odoo() {
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local out directive
    out=$(kubectl-odoo __complete "\${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null) || return
    directive=\${out##*:}
    out=\${out%:*}
    local IFS=$'\\n'
    COMPREPLY=( $(compgen -W "$(printf '%s\\n' "$out" | cut -f1)" -- "$cur") )
    if [ \${#COMPREPLY[@]} -eq 0 ] && [ $(( directive & 4 )) -eq 0 ]; then
        COMPREPLY=( $(compgen -f -- "$cur") )
    fi
}
complete -F _kubectl_odoo kubectl-odoo
`;

export const ZSH_COMPLETION = `#compdef kubectl-odoo
# zsh completion for kubectl-odoo
_kubectl_odoo() {
    local -a lines comps
    local out directive
    out=$(kubectl-odoo __complete "\${(@)words[2,$CURRENT]}" 2>/dev/null)
    lines=("\${(@f)out}")
    directive=\${lines[-1]#:}
    comps=("\${(@)lines[1,-2]}")
    comps=("\${(@)comps//:/\\\\:}")
    comps=("\${(@)comps/$'\\t'/:}")
    if (( \${#comps} )); then
        _describe 'kubectl-odoo' comps
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_odoo kubectl-odoo
`;

export const FISH_COMPLETION = `# fish completion for kubectl-odoo
function __kubectl_odoo_complete
    set -l args (commandline -opc)[2..-1] (commandline -ct)
    set -l out (kubectl-odoo __complete $args 2>/dev/null)
    for line in $out[1..-2]
        echo $line
    end
end
complete -c kubectl-odoo -f -a '(__kubectl_odoo_complete)'
`;
