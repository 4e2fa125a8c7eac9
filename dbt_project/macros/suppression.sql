{#- Small-count suppression for public marts: a count from 1 to k − 1 becomes null (zero and k or more are shown). -#}
{% macro suppress(count_column, k=var('suppression_k')) -%}
    case when {{ count_column }} > 0 and {{ count_column }} < {{ k }} then null else {{ count_column }} end
{%- endmacro %}

{#- A value derived from a count (a rate, a sum of weights) is hidden whenever that count is suppressed. -#}
{% macro unless_suppressed(value, count_column, k=var('suppression_k')) -%}
    case when {{ count_column }} > 0 and {{ count_column }} < {{ k }} then null else {{ value }} end
{%- endmacro %}
