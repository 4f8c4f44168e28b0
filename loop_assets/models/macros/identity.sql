{#- Free-mail providers: a shared domain says nothing about which company a person works for. -#}
{% macro free_mail_domains() -%}
    ('gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'hotmail.com', 'outlook.com', 'live.com',
     'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.de',
     'gmx.net', 'web.de', 'mail.com', 'yandex.ru', 'qq.com', '163.com', 'fastmail.com', 'zoho.com')
{%- endmacro %}

{#- An email address as people type it, normalised: trimmed and lower-cased (mailboxes are matched case-blind). -#}
{% macro normalized_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- The part after the @ of an already normalised email; null when there is none. -#}
{% macro email_domain(column) -%}
    nullif(split_part({{ column }}, '@', 2), '')
{%- endmacro %}

{#- Why an email's domain linked no account: missing, free-mail, or claimed by no account. `label` names the email. -#}
{% macro email_domain_miss(email, domain, label) -%}
    case
        when {{ email }} is null then 'no {{ label }}'
        when {{ domain }} in {{ free_mail_domains() }} then '{{ label }} on free-mail domain ' || {{ domain }}
        else 'no account has {{ label }} domain ' || {{ domain }}
    end
{%- endmacro %}
