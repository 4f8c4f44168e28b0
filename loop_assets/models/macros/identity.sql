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
